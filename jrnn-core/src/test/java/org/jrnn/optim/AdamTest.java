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
    void lazyRowsUpdateOnlyTouchedRowsAndEqualDenseWhenAllAreTouched() {
        Param dense = new Param("d", 3, 2);
        Param lazy = new Param("l", 3, 2);
        Adam a = Adam.keras(0.1);
        Adam b = Adam.keras(0.1).lazyRows(lazy, 2);
        for (int step = 0; step < 3; step++) {
            for (int i = 0; i < 6; i++) {
                dense.grad[i] = lazy.grad[i] = (float) Math.sin(i + step);
            }
            a.step(List.of(dense));
            b.touchRows(lazy, new int[] {0, 1, 2});
            b.step(List.of(lazy));
        }
        org.assertj.core.api.Assertions.assertThat(lazy.data).containsExactly(dense.data);
        float[] before = lazy.data.clone();
        b.touchRows(lazy, new int[] {1});
        b.step(List.of(lazy));
        org.assertj.core.api.Assertions.assertThat(new float[] {lazy.data[0], lazy.data[1], lazy.data[4], lazy.data[5]})
                .containsExactly(before[0], before[1], before[4], before[5]);
        org.assertj.core.api.Assertions.assertThat(lazy.data[2]).isNotEqualTo(before[2]);
        assertThatThrownBy(() -> b.step(List.of(lazy))).hasMessageContaining("no touchRows");
    }

    @Test
    void parallelUpdateEqualsSerial() {
        Param p1 = new Param("p", 100_000);
        Param p2 = new Param("p", 100_000);
        for (int i = 0; i < p1.size(); i++) p1.grad[i] = p2.grad[i] = (float) Math.cos(i);
        try (org.jrnn.kernels.Parallel pool = new org.jrnn.kernels.Parallel(2)) {
            Adam.keras().step(List.of(p1));
            Adam.keras().parallel(pool).step(List.of(p2));
        }
        org.assertj.core.api.Assertions.assertThat(p2.data).containsExactly(p1.data);
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
