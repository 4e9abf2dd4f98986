package dev.latchwork.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.latchwork.core.testing.TestSeed;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestSeed.class)
class SparseBitSetTest {

  @Test
  void bitsAreSetOnceAndReadBackLikeABitSet() {
    SplittableRandom random = TestSeed.random("sparseBits");
    int size = 1 << 20;
    SparseBitSet sparse = new SparseBitSet(size);
    BitSet reference = new BitSet(size);
    for (int i = 0; i < 10_000; i++) {
      int bit = random.nextInt(size);
      assertThat(sparse.set(bit)).as("set(%d) changed it", bit).isEqualTo(!reference.get(bit));
      reference.set(bit);
    }
    for (int bit = 0; bit < size; bit++) {
      assertThat(sparse.get(bit)).isEqualTo(reference.get(bit));
    }
  }

  @Test
  void memoryGrowsWithTheBitsSetNotWithTheSize() {
    SparseBitSet sparse = new SparseBitSet(Integer.MAX_VALUE);
    assertThat(sparse.pagesAllocated()).isZero();
    sparse.set(0);
    sparse.set(1);
    sparse.set(Integer.MAX_VALUE - 1);
    assertThat(sparse.get(Integer.MAX_VALUE - 1)).isTrue();
    assertThat(sparse.get(12345678)).isFalse();
    assertThat(sparse.pagesAllocated()).isEqualTo(2);
  }

  @Test
  void indexesOutsideTheSetAreRejected() {
    SparseBitSet sparse = new SparseBitSet(10);
    assertThatThrownBy(() -> sparse.set(10)).isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("10 of 10");
    assertThatThrownBy(() -> sparse.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> new SparseBitSet(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
