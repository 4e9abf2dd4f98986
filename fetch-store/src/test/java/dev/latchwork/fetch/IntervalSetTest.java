package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestSeed.class)
class IntervalSetTest {

  @Test
  void adjacentAndOverlappingRangesMerge() {
    IntervalSet s = IntervalSet.EMPTY.add(10, 20).add(30, 40);
    assertThat(s.rangeCount()).isEqualTo(2);
    assertThat(s.add(20, 30).rangeCount()).isEqualTo(1);
    assertThat(s.add(20, 30).totalLength()).isEqualTo(30);
    assertThat(s.add(5, 35)).hasToString("{[5, 40)}");
    assertThat(s.add(0, 5)).hasToString("{[0, 5), [10, 20), [30, 40)}");
    assertThat(s.add(40, 41)).hasToString("{[10, 20), [30, 41)}");
  }

  @Test
  void containsOnlyRangesEntirelyPresent() {
    IntervalSet s = IntervalSet.EMPTY.add(10, 20).add(30, 40);
    assertThat(s.contains(10, 20)).isTrue();
    assertThat(s.contains(15, 16)).isTrue();
    assertThat(s.contains(9, 11)).isFalse();
    assertThat(s.contains(19, 31)).isFalse();
    assertThat(s.contains(20, 21)).isFalse();
    assertThat(s.contains(25, 25)).as("an empty range is always present").isTrue();
    assertThat(s.contiguousEnd(12)).isEqualTo(20);
    assertThat(s.contiguousEnd(20)).isEqualTo(20);
    assertThat(s.contiguousEnd(39)).isEqualTo(40);
  }

  @Test
  void addIsImmutable() {
    IntervalSet a = IntervalSet.EMPTY.add(0, 4);
    IntervalSet b = a.add(8, 12);
    assertThat(a).hasToString("{[0, 4)}");
    assertThat(b).hasToString("{[0, 4), [8, 12)}");
    assertThat(b.add(1, 3)).isSameAs(b);
  }

  @Test
  void agreesWithABitmapModelOnRandomAdds() {
    SplittableRandom random = TestSeed.random("IntervalSetTest.randomAdds");
    for (int round = 0; round < 60; round++) {
      int universe = 1 + random.nextInt(80);
      boolean[] model = new boolean[universe];
      IntervalSet set = IntervalSet.EMPTY;
      for (int step = 0; step < 30; step++) {
        int a = random.nextInt(universe + 1);
        int b = a + random.nextInt(universe + 1 - a);
        set = set.add(a, b);
        for (int i = a; i < b; i++) {
          model[i] = true;
        }
        assertAgrees(set, model);
      }
    }
  }

  private static void assertAgrees(IntervalSet set, boolean[] model) {
    long total = 0;
    int runs = 0;
    for (int i = 0; i < model.length; i++) {
      if (model[i]) {
        total++;
        if (i == 0 || !model[i - 1]) {
          runs++;
        }
      }
    }
    assertThat(set.totalLength()).isEqualTo(total);
    assertThat(set.rangeCount()).isEqualTo(runs);
    for (int start = 0; start <= model.length; start++) {
      boolean all = true;
      for (int end = start; end <= model.length; end++) {
        if (end > start) {
          all &= model[end - 1];
        }
        assertThat(set.contains(start, end)).as("[%d, %d) in %s", start, end, set).isEqualTo(all);
      }
      int run = start;
      while (run < model.length && model[run]) {
        run++;
      }
      assertThat(set.contiguousEnd(start)).isEqualTo(run);
    }
  }

  @Test
  void badRangesAreRejected() {
    assertThatThrownBy(() -> IntervalSet.EMPTY.add(-1, 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[-1, 3)");
    assertThatThrownBy(() -> IntervalSet.EMPTY.add(5, 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IntervalSet.EMPTY.contains(5, 3))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
