package dev.latchwork.core.internal;

/**
 * Keeps this package non-empty (javac rejects an export of a package without a class) until the
 * shared file helpers move in; delete it then. Package-private: nothing can use it.
 */
final class PackageMarker {
  private PackageMarker() {}
}
