package dev.latchwork.core.testing;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Launch details for the child JVMs of crash and lock tests. */
public final class ChildJvm {
  private ChildJvm() {}

  /** The {@code java} launcher of the running JDK. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Everything this JVM runs, as one class path for a child whose main class is {@code mainClass}:
   * when the tests run on the module path, the library is on {@code jdk.module.path} and the test
   * classes are patched into its module, so {@code java.class.path} alone holds neither.
   */
  public static String classPath(Class<?> mainClass) {
    String classes;
    try {
      classes = Path.of(mainClass.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + mainClass, e);
    }
    return Stream.of(classes, System.getProperty("jdk.module.path"),
            System.getProperty("java.class.path"))
        .filter(part -> part != null && !part.isEmpty())
        .collect(Collectors.joining(File.pathSeparator));
  }

  /**
   * The lines of a child's {@code -Xlog:class+load=info:file=<classLog>} output that show the
   * JDK Flight Recorder at work: a latchwork event class ({@code dev.latchwork...Event}) or the
   * recorder's metadata ({@code jdk.jfr.internal.MetadataRepository}) loaded. Empty for a JVM
   * that paid nothing for events it never recorded.
   */
  public static List<String> flightRecorderClassesLoaded(Path classLog) throws IOException {
    return Files.readAllLines(classLog).stream()
        .filter(line -> line.contains("jdk.jfr.internal.MetadataRepository")
            || line.matches(".*dev\\.latchwork\\.\\S*Event .*"))
        .collect(Collectors.toList());
  }
}
