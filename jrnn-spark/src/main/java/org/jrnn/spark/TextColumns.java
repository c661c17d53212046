// How a row's text columns become one text: joined with a single space, in the configured order, as
// jrnn joins an AG News row's title and description (org.jrnn.data.Example#text). Shared by scoring and training.
package org.jrnn.spark;

import java.util.Arrays;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

final class TextColumns {
    private TextColumns() {}

    /**
     * The non-empty cells joined with one space; null cells count as empty. Skipping empty cells is
     * Example#text's rule for an empty description, and changes no tokens either way.
     */
    static String join(Row r, int[] idx) {
        if (idx.length == 1) {
            String s = r.isNullAt(idx[0]) ? null : r.getString(idx[0]);
            return s == null ? "" : s;
        }
        StringBuilder sb = new StringBuilder();
        for (int i : idx) {
            if (r.isNullAt(i)) continue;
            String s = r.getString(i);
            if (s.isEmpty()) continue;
            if (sb.length() > 0) sb.append(' ');
            sb.append(s);
        }
        return sb.toString();
    }

    /** "no column 'x'; the data has: a, b, c" */
    static String missing(String column, StructType schema) {
        return "no column '" + column + "'; the data has: " + String.join(", ", Arrays.asList(schema.fieldNames()));
    }
}
