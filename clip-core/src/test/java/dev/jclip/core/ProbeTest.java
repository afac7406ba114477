package dev.jclip.core;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ndarray.INDArray;
import static org.junit.jupiter.api.Assertions.*;
class ProbeTest {
  @Test void nd4jWorks() {
    INDArray a = Nd4j.rand(3,4);
    INDArray b = a.mmul(a.transpose());
    assertEquals(3, b.rows());
    System.out.println(Nd4j.getBackend().getClass() + " " + Nd4j.getExecutioner().getClass());
  }
}
