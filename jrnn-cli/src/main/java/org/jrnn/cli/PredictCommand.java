package org.jrnn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jrnn.data.DataFiles;
import org.jrnn.data.DataFormatException;
import org.jrnn.data.Dataset;
import org.jrnn.data.Example;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.Tagger;
import org.jrnn.serve.Prediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classify texts with a saved model; prints one JSON line per text.",
                "A tagger (train --task tag) prints {\"tokens\":[...],\"tags\":[...],\"scores\":[...]} per text (scores: each "
                        + "chosen tag's probability); its --input is a token-per-line file (adds true_tags).",
                "Texts come from the arguments, else from --input FILE.csv, else one per line on standard input "
                        + "(UTF-8; N lines in, N JSON lines out, in order: an empty or blank line is classified "
                        + "as it is, like an empty argument \"\")."})
final class PredictCommand implements Callable<Integer> {
    static final String STDIN = "<stdin>";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE.jrnn", description = "Model file written by 'jrnn train --out'.")
    Path model;

    @Option(names = "--input", paramLabel = "FILE.csv", description = "Labelled CSV or TSV to classify (adds the true label to each line); for a tagger a token-per-line file.")
    Path input;

    @Mixin
    DataFormatOptions format;

    @Option(names = "--top-k", defaultValue = "2", paramLabel = "N", description = "Classes listed in top_k (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--explain", description = "Add per-token weights: the drop in the predicted class's probability when the token is replaced by [UNK].")
    boolean explain;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts to classify.")
    List<String> texts = new ArrayList<>();

    private final InputStream stdin;
    private static final ObjectMapper JSON = new ObjectMapper();

    PredictCommand() {
        this(System.in);
    }

    PredictCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws Exception {
        if (topK < 1) throw new UserInputException("--top-k must be >= 1, received: " + topK);
        if (input != null && !texts.isEmpty()) throw new UserInputException("give texts as arguments or --input FILE.csv, not both");
        if (input == null && !format.spec().isDefault()) throw new UserInputException("the column options describe an --input file");
        PrintWriter out = spec.commandLine().getOut();
        SavedModel saved = ModelFile.load(model);
        if (saved.task() == SavedModel.Task.TAG) {
            if (input != null && !format.spec().isDefault()) {
                throw new UserInputException("the column options describe CSV/TSV tables; a tagger's --input is a token-per-line file");
            }
            Tagger t = new Tagger(saved);
            if (!texts.isEmpty() || input != null) TagCli.predict(this, t, out);
            else readStdin(s -> TagCli.print(out, t.tag(s), null), out);
            out.flush();
            return 0;
        }
        Classifier c = new Classifier(saved);
        if (!texts.isEmpty()) {
            for (String t : texts) print(out, classify(c, List.of(t)).get(0), null);
        } else if (input != null) {
            Dataset data = DataFiles.read(input, format.spec(), c.classNames(), "the model");
            List<Example> rows = data.examples();
            List<String> batch = new ArrayList<>();
            for (Example e : rows) batch.add(e.text(c.savedModel().textField()));
            List<Prediction> ps = classify(c, batch);
            for (int i = 0; i < ps.size(); i++) print(out, ps.get(i), data.classNames().get(rows.get(i).label()));
        } else {
            readStdin(s -> print(out, classify(c, List.of(s)).get(0), null), out);
        }
        out.flush();
        return 0;
    }

    /** Longest stdin line accepted: far beyond any news text, small enough to hold in memory. */
    static final int MAX_LINE_BYTES = 1 << 20;

    /**
     * One text per line, strict UTF-8 whatever the locale, a trailing CR dropped; every line is a text,
     * empty and blank ones too, so line i of the output answers line i of the input (a script can
     * paste the two side by side). Each prediction is printed as soon as it is made. Lines are split
     * on bytes and decoded one by one, so an error names its exact line.
     */
    /** What to do with one stdin line. */
    @FunctionalInterface
    interface LineHandler {
        void accept(String line) throws Exception;
    }

    private void readStdin(LineHandler handle, PrintWriter out) throws Exception {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        InputStream in = new BufferedInputStream(stdin, 1 << 16);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long line = 0;
        for (int b = in.read(); b >= 0 || buf.size() > 0; b = in.read()) {
            if (b >= 0 && b != '\n') {
                if (buf.size() >= MAX_LINE_BYTES) {
                    throw new DataFormatException(STDIN, line + 1, "line longer than " + MAX_LINE_BYTES + " bytes (binary input?)");
                }
                buf.write(b);
                continue;
            }
            line++;
            byte[] bytes = buf.toByteArray();
            buf.reset();
            int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
            String s;
            try {
                s = decoder.decode(ByteBuffer.wrap(bytes, 0, n)).toString();
            } catch (CharacterCodingException e) {
                throw new DataFormatException(STDIN, line, "invalid UTF-8: expected text, one item per line (binary input?)");
            }
            if (s.indexOf('\0') >= 0) throw new DataFormatException(STDIN, line, "NUL byte: expected text, one item per line (binary input?)");
            handle.accept(s);
            out.flush();
            if (b < 0) break;
        }
    }

    private List<Prediction> classify(Classifier c, List<String> batch) {
        if (!explain) return c.predictBatch(batch);
        List<Prediction> ps = new ArrayList<>(batch.size());
        for (String t : batch) ps.add(c.explain(t));
        return ps;
    }

    private void print(PrintWriter out, Prediction p, String trueLabel) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", p.text());
        m.put("label", p.label());
        m.put("label_index", p.labelIndex());
        if (trueLabel != null) m.put("true_label", trueLabel);
        Map<String, Double> probs = new LinkedHashMap<>();
        p.probabilityMap().forEach((k, v) -> probs.put(k, round(v)));
        m.put("probabilities", probs);
        List<Map<String, Object>> top = new ArrayList<>();
        for (Prediction.Scored s : p.topK(topK)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("label", s.label());
            e.put("probability", round(s.probability()));
            top.add(e);
        }
        m.put("top_k", top);
        if (p.explanation() != null) {
            List<Map<String, Object>> ex = new ArrayList<>();
            for (Prediction.TokenWeight w : p.explanation()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("token", w.token());
                e.put("weight", round(w.weight()));
                ex.add(e);
            }
            m.put("explain", ex);
        }
        out.println(JSON.writeValueAsString(m));
    }

    /** Six decimals: enough to rank and compare, short enough to read. */
    static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
