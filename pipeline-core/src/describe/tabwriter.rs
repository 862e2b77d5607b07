//! Go's `text/tabwriter` with the settings `tkn` uses (`NewWriter(out, 0, 5, 3, ' ',
//! TabIndent)`): tab-terminated cells of consecutive lines form a column block, each column
//! as wide as its widest cell plus three spaces; the last cell of a line is not aligned.

/// Column layout settings (the subset of Go's `tabwriter.Writer` tkn uses).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub min_width: usize,
    pub tab_width: usize,
    pub padding: usize,
    /// Leading empty cells are padded with tabs (`TabIndent`).
    pub tab_indent: bool,
}

/// tkn's `tabwriter.NewWriter(out, 0, 5, 3, ' ', tabwriter.TabIndent)`.
pub(crate) const TKN: Layout = Layout {
    min_width: 0,
    tab_width: 5,
    padding: 3,
    tab_indent: true,
};

struct Cell<'a> {
    text: &'a str,
    width: usize,
}

/// Aligns `text` as Go's tabwriter does after writing it all and flushing.
pub(crate) fn align(text: &str, layout: Layout) -> String {
    let lines: Vec<Vec<Cell<'_>>> = text
        .split('\n')
        .map(|line| {
            line.split('\t')
                .map(|t| Cell {
                    text: t,
                    width: t.chars().count(),
                })
                .collect()
        })
        .collect();
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut widths = Vec::new();
    format(&lines, 0, lines.len(), &mut widths, layout, &mut out);
    out
}

/// Whether `line` has a tab-terminated cell in `column` (the last cell never is).
fn has_cell(line: &[Cell<'_>], column: usize) -> bool {
    column + 1 < line.len()
}

fn format(
    lines: &[Vec<Cell<'_>>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    layout: Layout,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if !lines.get(this).is_some_and(|l| has_cell(l, column)) {
            this += 1;
            continue;
        }
        // A column block starts here: print the lines before it.
        write_lines(lines, line0, this, widths, layout, out);
        line0 = this;
        let mut width = layout.min_width;
        while let Some(line) = lines
            .get(this)
            .filter(|l| this < line1 && has_cell(l, column))
        {
            if let Some(c) = line.get(column) {
                width = width.max(c.width + layout.padding);
            }
            this += 1;
        }
        widths.push(width);
        format(lines, line0, this, widths, layout, out);
        widths.pop();
        line0 = this;
        // Go's loop steps past the line that ended the block; it has no cell here either.
        this += 1;
    }
    write_lines(lines, line0, line1, widths, layout, out);
}

fn write_lines(
    lines: &[Vec<Cell<'_>>],
    line0: usize,
    line1: usize,
    widths: &[usize],
    layout: Layout,
    out: &mut String,
) {
    for i in line0..line1 {
        let Some(line) = lines.get(i) else { break };
        let mut use_tabs = layout.tab_indent;
        for (j, c) in line.iter().enumerate() {
            let cell_width = widths.get(j).copied();
            if c.text.is_empty() {
                if let Some(w) = cell_width {
                    pad(c.width, w, use_tabs, layout, out);
                }
            } else {
                use_tabs = false;
                out.push_str(c.text);
                if let Some(w) = cell_width {
                    pad(c.width, w, false, layout, out);
                }
            }
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

fn pad(text_width: usize, cell_width: usize, use_tabs: bool, layout: Layout, out: &mut String) {
    if use_tabs {
        if layout.tab_width == 0 {
            return;
        }
        let cell_width = cell_width.div_ceil(layout.tab_width) * layout.tab_width;
        let n = cell_width.saturating_sub(text_width);
        out.extend(std::iter::repeat_n('\t', n.div_ceil(layout.tab_width)));
    } else {
        out.extend(std::iter::repeat_n(
            ' ',
            cell_width.saturating_sub(text_width),
        ));
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts are what Go 1.26's `text/tabwriter` printed for the same input with
    //! tkn's settings.
    use super::*;

    #[test]
    fn columns_align_per_block() {
        // A one-cell line ends the block; the last cell of a line is never padded.
        let got = align("a:\tx\nlonger:\ty\nplain\nb\tc\td\n", TKN);
        assert_eq!(got, "a:        x\nlonger:   y\nplain\nb   c   d\n");
    }

    #[test]
    fn leading_empty_cells_pad_with_tabs() {
        // TabIndent: an empty first cell is padded with tabs to the tab width.
        let got = align("\tx\nabcdefgh\ty\n", TKN);
        assert_eq!(got, "\t\t\tx\nabcdefgh   y\n");
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        let got = align("\u{b5}\tx\nab\ty\n", TKN);
        assert_eq!(got, "\u{b5}    x\nab   y\n");
    }
}
