package org.jrnn.optim;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.jrnn.nn.Param;
import org.jrnn.testing.Close;
import org.jrnn.testing.Fixture;
import org.junit.jupiter.api.Test;

/** Adam against fixtures/adam.json: gradients given in the file (incl. 1e-9 and 0), two steps, both flavours. */
class AdamTest {

    @Test
    void matchesTorchAndKerasFormulasStepByStep() {
        Fixture f = Fixture.load("adam");
        for (boolean keras : new boolean[] {false, true}) {
            String section = keras ? "adam_keras" : "adam_torch";
            double lr = f.root().get(section).get("lr").asDouble();
            Adam adam = keras ? Adam.keras(lr) : Adam.pytorch(lr);
            Param w = new Param("w", f.tensorShapeAt("params", "w"));
            Param b = new Param("b", f.tensorShapeAt("params", "b"));
            List<Param> ps = List.of(w, b);
            for (Param p : ps) System.arraycopy(Fixture.toFloat(f.tensorAt("params", p.name())), 0, p.data, 0, p.size());
            for (int step = 0; step < 2; step++) {
                for (Param p : ps) {
                    float[] g = Fixture.toFloat(f.tensorAt("grads_per_step", String.valueOf(step), p.name()));
                    System.arraycopy(g, 0, p.grad, 0, g.length);
                }
                adam.step(ps);
                String key = step == 0 ? "params_after_step1" : "params_after";
                for (Param p : ps) {
                    Close.assertClose(section + " step " + (step + 1) + " " + p.name(), f.tensorAt(section, key, p.name()), p.data, 1e-6);
                }
            }
            for (Param p : ps) {
                Close.assertClose(section + " m " + p.name(), f.tensorAt(section, "m", p.name()), adam.moments(p)[0], 1e-6);
                Close.assertClose(section + " v " + p.name(), f.tensorAt(section, "v", p.name()), adam.moments(p)[1], 1e-6);
            }
        }
    }

    @Test
    void frozenParametersDoNotMove() {
        Param p = new Param("p", 3);
        p.setFrozen(true);
        p.grad[0] = 1f;
        Adam.keras().step(List.of(p));
        org.assertj.core.api.Assertions.assertThat(p.data).containsExactly(0f, 0f, 0f);
    }

    @Test
    void rejectsBadHyperparameters() {
        assertThatThrownBy(() -> new Adam(0, 0.9, 0.999, 1e-7, Adam.Variant.KERAS)).hasMessageContaining("learning rate must be > 0");
        assertThatThrownBy(() -> new Adam(1e-3, 1.0, 0.999, 1e-7, Adam.Variant.KERAS)).hasMessageContaining("beta1 must be in [0, 1)");
    }
}
