package dev.latchwork.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A grouped bar chart as a standalone SVG document: one group per scenario, one bar per
 * implementation, logarithmic value axis (the scenarios of one benchmark often differ by orders of
 * magnitude). Each bar carries a {@code <title>} with its exact value, so hovering shows it.
 */
final class BarChart {
  /*
   * Implementation notes: pure string building, no SVG library. Colours are assigned by series
   * index; latchwork is always series 0 (the caller orders it first) and always the same blue.
   */

  private static final String[] COLOURS = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"
  };

  private final String title;
  private final String axisLabel;
  private final List<String> series;
  private final List<String> groups = new ArrayList<>();
  private final List<double[]> values = new ArrayList<>();

  BarChart(String title, String axisLabel, List<String> series) {
    this.title = title;
    this.axisLabel = axisLabel;
    this.series = List.copyOf(series);
  }

  /** Adds one group; {@code NaN} where a series has no value in it. */
  void group(String label, double[] seriesValues) {
    if (seriesValues.length != series.size()) {
      throw new IllegalArgumentException(
          "group " + label + " has " + seriesValues.length + " values for " + series.size() + " series");
    }
    groups.add(label);
    values.add(seriesValues.clone());
  }

  String toSvg() {
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (double[] vs : values) {
      for (double v : vs) {
        if (v > 0 && !Double.isNaN(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
    }
    if (max == 0) {
      min = 1;
      max = 10;
    }
    int lo = (int) Math.floor(Math.log10(min));
    int hi = (int) Math.ceil(Math.log10(max));
    if (hi == lo) {
      hi = lo + 1;
    }
    int bar = 14;
    int groupGap = 18;
    int left = 140;
    int top = 50;
    int plotHeight = 260;
    int bottom = 150;
    int groupWidth = series.size() * bar + groupGap;
    int plotWidth = Math.max(groups.size() * groupWidth, 300);
    int legendWidth = 200;
    int width = left + plotWidth + 20 + legendWidth;
    int height = top + plotHeight + bottom;

    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"11\">\n",
            width, height, width, height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
            left, esc(title)));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text transform=\"translate(16,%d) rotate(-90)\" text-anchor=\"middle\">%s (log scale)</text>\n",
            top + plotHeight / 2, esc(axisLabel)));
    for (int d = lo; d <= hi; d++) {
      double y = top + plotHeight - (double) (d - lo) / (hi - lo) * plotHeight;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
              left, y, left + plotWidth, y, left - 6, y + 4, decade(d)));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
            left, top + plotHeight, left + plotWidth, top + plotHeight));
    for (int g = 0; g < groups.size(); g++) {
      int gx = left + g * groupWidth + groupGap / 2;
      double[] vs = values.get(g);
      for (int s = 0; s < vs.length; s++) {
        double v = vs[s];
        if (Double.isNaN(v) || v <= 0) {
          continue;
        }
        double h = (Math.log10(v) - lo) / (hi - lo) * plotHeight;
        h = Math.max(h, 1);
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\">"
                    + "<title>%s, %s: %s %s</title></rect>\n",
                gx + s * bar, top + plotHeight - h, bar - 2, h, colour(s),
                esc(series.get(s)), esc(groups.get(g)), ResultsPage.fmt(v), esc(axisLabel)));
      }
      int lx = gx + vs.length * bar / 2;
      svg.append(
          String.format(
              Locale.ROOT,
              "<text transform=\"translate(%d,%d) rotate(-40)\" text-anchor=\"end\">%s</text>\n",
              lx, top + plotHeight + 14, esc(groups.get(g))));
    }
    int lx = left + plotWidth + 20;
    for (int s = 0; s < series.size(); s++) {
      int ly = top + s * 18;
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                  + "<text x=\"%d\" y=\"%d\">%s</text>\n",
              lx, ly, colour(s), lx + 18, ly + 10, esc(series.get(s))));
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static String colour(int s) {
    return COLOURS[s % COLOURS.length];
  }

  private static String decade(int d) {
    if (d >= 0 && d <= 6) {
      return String.valueOf((long) Math.pow(10, d));
    }
    return "1e" + d;
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
