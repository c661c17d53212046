// An architecture as data: the embedding, then a Keras-like layer list; the classifier head Dense(K)
// is appended with K taken from the data, unless the list ends in a per-step head
// TimeDistributed(Dense(K)). This is the --model FILE.json format, the "architecture" of
// config.json in model files and what `jrnn presets --json` prints. LayerType knows each layer type.
package org.jrnn.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.nn.Embedding;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;

/**
 * A model architecture: {@code embedding_dim} (default 64), {@code mask_zero} (default true,
 * unlike Keras, because padding should not count), {@code layers} and {@code output_activation}
 * of a classifier's head: softmax (absent, the default), or sigmoid / linear, which imported Keras
 * models keep and jrnn only runs (training is softmax cross-entropy).
 *
 * <pre>{"embedding_dim": 128, "mask_zero": true, "layers": [
 *   {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 64, "return_sequences": true}},
 *   {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 64}},
 *   {"type": "Dropout", "rate": 0.2}]}</pre>
 *
 * <p>Order of use: {@link #paramShapes} answers "which tensors, which shapes" without allocating
 * (model files check a file against it before building anything); {@link #build} makes the
 * {@link Sequential} with exactly those parameters, named as PyTorch's state dict.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(@JsonProperty("embedding_dim") int embeddingDim,
                        @JsonProperty("mask_zero") boolean maskZero,
                        @JsonProperty("layers") List<LayerSpec> layers,
                        @JsonProperty("output_activation") String outputActivation) {

    public ModelSpec {
        layers = layers == null ? null : Collections.unmodifiableList(new ArrayList<>(layers));
    }

    /** A softmax classifier (or per-step model): no {@code output_activation}. */
    public ModelSpec(int embeddingDim, boolean maskZero, List<LayerSpec> layers) {
        this(embeddingDim, maskZero, layers, null);
    }

    /** This architecture with a head activation: softmax (written as no field), sigmoid or linear. */
    public ModelSpec withOutputActivation(String activation) {
        return new ModelSpec(embeddingDim, maskZero, layers, "softmax".equals(activation) ? null : activation);
    }

    /** The head's activation; absent means softmax. */
    public Sequential.OutputActivation output() {
        if (outputActivation == null) return Sequential.OutputActivation.SOFTMAX;
        Sequential.OutputActivation a = Sequential.OutputActivation.of(outputActivation);
        if (a == null) {
            throw new ArchitectureException("unknown output_activation '" + outputActivation + "', expected one of softmax, sigmoid, linear");
        }
        return a;
    }

    /** Jackson entry point: missing fields get defaults (embedding_dim 64, mask_zero true). */
    @JsonCreator
    public static ModelSpec fromJson(@JsonProperty("embedding_dim") Integer embeddingDim,
                                     @JsonProperty("mask_zero") Boolean maskZero,
                                     @JsonProperty("layers") List<LayerSpec> layers,
                                     @JsonProperty("output_activation") String outputActivation) {
        return new ModelSpec(embeddingDim == null ? 64 : embeddingDim, maskZero == null || maskZero, layers, outputActivation);
    }

    /** {@link #fromJson} without {@code output_activation} (softmax). */
    public static ModelSpec fromJson(Integer embeddingDim, Boolean maskZero, List<LayerSpec> layers) {
        return fromJson(embeddingDim, maskZero, layers, null);
    }

    /**
     * The parameters {@link #build} creates, by state-dict name in model order, for a vocabulary
     * of {@code vocabSize} and {@code numClasses} outputs; validates the whole layer list.
     *
     * @throws ArchitectureException naming the layer ("layers[1].layer: ...") and the problem
     */
    public Map<String, int[]> paramShapes(int vocabSize, int numClasses) {
        if (embeddingDim < 1) throw new ArchitectureException("embedding_dim must be >= 1, received: " + embeddingDim);
        if (layers == null || layers.isEmpty()) throw new ArchitectureException("\"layers\" must list at least one layer");
        if (vocabSize < 2) throw new ArchitectureException("the vocabulary must have at least 2 entries, received: " + vocabSize);
        // A Keras sigmoid or linear head may have one unit (binary, regression); softmax over one class is constant.
        int minClasses = output() == Sequential.OutputActivation.SOFTMAX ? 2 : 1;
        if (numClasses < minClasses) {
            throw new ArchitectureException("a " + output().kerasName() + " head needs at least " + minClasses + " outputs, received: " + numClasses);
        }
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("embedding.weight", new int[] {vocabSize, embeddingDim});
        LayerType.Walk w = new LayerType.Walk(shapes, embeddingDim);
        for (int i = 0; i < layers.size(); i++) {
            String at = "layers[" + i + "]";
            LayerSpec l = layers.get(i);
            if (l == null) throw new ArchitectureException(at + ": must be an object");
            LayerType t = LayerType.parse(l.type(), at);
            t.checkFields(l, at);
            t.walk(l, w, at);
        }
        if (output() != Sequential.OutputActivation.SOFTMAX && perStep()) {
            throw new ArchitectureException("output_activation '" + outputActivation + "' applies to a classifier head; a per-step model's "
                    + "head is softmax");
        }
        if (perStep()) {
            if (w.width != numClasses) {
                throw new ArchitectureException("layers[" + (layers.size() - 1) + "]: the per-step head TimeDistributed(Dense) has "
                        + w.width + " units, but the model has " + numClasses + " classes");
            }
            return shapes;
        }
        if (w.sequence) {
            throw new ArchitectureException("the model outputs a sequence; end it with a recurrent layer without "
                    + "\"return_sequences\", or a pooling layer, then the classifier head (or, for one output per step, "
                    + "with TimeDistributed(Dense))");
        }
        LayerType.DENSE.walk(LayerSpec.dense(numClasses), w, "classifier head");
        return shapes;
    }

    /**
     * Whether the layer list ends in {@code TimeDistributed(Dense(K))}: a per-step model (one output
     * per real step; taggers, language models), whose K outputs are that head's units and to which
     * no classifier head is appended. Otherwise a classifier (one output per sequence).
     */
    public boolean perStep() {
        return layers != null && !layers.isEmpty() && layers.get(layers.size() - 1) != null
                && LayerType.TIME_DISTRIBUTED.kerasName.equals(layers.get(layers.size() - 1).type());
    }

    /**
     * Builds the model for a vocabulary and a number of classes, initialised from {@code seed},
     * its parameters named as {@link #paramShapes} lists them.
     *
     * @throws ArchitectureException if the layer list cannot be built
     */
    public Sequential build(int vocabSize, int numClasses, long seed) {
        return build(vocabSize, numClasses, new Sequential(seed));
    }

    /**
     * As {@link #build}, without random initialisation ({@link org.jrnn.nn.Initializers#SKIP}):
     * for weights about to be overwritten, as a model file's are.
     */
    public Sequential buildForWeights(int vocabSize, int numClasses) {
        return build(vocabSize, numClasses, new Sequential(org.jrnn.nn.Initializers.SKIP));
    }

    private Sequential build(int vocabSize, int numClasses, Sequential m) {
        Map<String, int[]> shapes = paramShapes(vocabSize, numClasses);
        m.add(new Embedding(vocabSize, embeddingDim, maskZero));
        for (LayerSpec l : layers) m.add(LayerType.of(l.type()).build(l));
        if (perStep()) {
            m.checkPerStep();
        } else {
            m.add(LayerType.DENSE.build(LayerSpec.dense(numClasses)));
            m.checkClassifier();
            m.outputActivation(output());
        }
        List<Param> params = m.params();
        if (params.size() != shapes.size()) {
            throw new IllegalStateException("internal error: the layer table lists " + shapes.size() + " parameters, the built model has "
                    + params.size() + " (" + this + ")");
        }
        int i = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            Param p = params.get(i++);
            if (!Arrays.equals(p.shape(), e.getValue())) {
                throw new IllegalStateException("internal error: the layer table says " + e.getKey() + " " + Arrays.toString(e.getValue())
                        + ", the built model has " + p);
            }
            p.rename(e.getKey());
        }
        return m;
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Reads an architecture JSON file; syntax errors name the file and line.
     *
     * @throws ArchitectureException for a missing or unreadable file and for bad JSON, naming the file
     * @throws IOException for failures of the disk itself
     */
    public static ModelSpec read(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new ArchitectureException(file + ": is a directory, expected an architecture JSON file");
        String json;
        try {
            json = Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ArchitectureException(file + ": file not found", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ArchitectureException(file + ": permission denied", e);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ArchitectureException(file + ": not valid UTF-8 (expected an architecture JSON file)", e);
        }
        return parse(json, file.toString());
    }

    /** Parses architecture JSON; {@code where} names its source in error messages. */
    public static ModelSpec parse(String json, String where) {
        try {
            ModelSpec s = JSON.readValue(json, ModelSpec.class);
            if (s == null) throw new ArchitectureException(where + ": expected a JSON object");
            return s;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ArchitectureException(where + (loc != null ? ":" + loc.getLineNr() : "") + ": " + e.getOriginalMessage(), e);
        }
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
