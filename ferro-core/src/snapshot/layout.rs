//! Lays out compact JSON for review: a list of objects one element per line,
//! anything else that fits on a line of [`LINE_WIDTH`] characters on one line.
//!
//! serde_json's pretty printer puts every array element on a line of its own,
//! so the layout is done here. It works from the structure [`Compact`]
//! recorded while writing, copying runs of bytes between separators: walking
//! a parsed tree, or scanning the text byte by byte, is most of the time it
//! takes to write a large schema's snapshot in an unoptimised build script.

use super::LINE_WIDTH;
use super::compact::Compact;

/// Appends the laid-out form of `compact`, a value that starts `indent`
/// columns into the last line of `json` after the key it belongs to.
/// Returns where each element of the value starts in `json`, if it is laid
/// out over lines.
pub(super) fn layout(compact: &Compact, json: &mut String, indent: usize) -> Vec<usize> {
    let column = json.len() - json.rfind('\n').map_or(0, |i| i + 1);
    let mut out = Vec::with_capacity(compact.text.len() * 3 / 2);
    let mut cursor = 0;
    let mut starts = Vec::new();
    write(
        compact,
        &mut out,
        &mut cursor,
        indent,
        column,
        false,
        Some(&mut starts),
    );
    let offset = json.len();
    json.push_str(std::str::from_utf8(&out).expect("the layout cuts only at ASCII punctuation"));
    starts.iter().map(|start| start + offset).collect()
}

/// Writes container `*cursor` at `column` of a line indented by `indent`;
/// `expand` keeps it from being joined onto one line. Moves `cursor` past it
/// and all it holds. Records in `starts` where each element starts when it is
/// laid out over lines.
fn write(
    compact: &Compact,
    out: &mut Vec<u8>,
    cursor: &mut usize,
    indent: usize,
    column: usize,
    expand: bool,
    mut starts: Option<&mut Vec<usize>>,
) {
    let text = &compact.text;
    let this = &compact.containers[*cursor];
    let empty = this.close == this.open + 1;
    if empty || (!expand && !this.object_list && this.width() <= LINE_WIDTH.saturating_sub(column)) {
        let mut run = this.open;
        for &separator in &compact.separators[this.separators.0..this.separators.1] {
            out.extend_from_slice(&text[run..=separator]);
            out.push(b' ');
            run = separator + 1;
        }
        out.extend_from_slice(&text[run..=this.close]);
        *cursor = this.next;
        return;
    }
    *cursor += 1;
    let is_object = text[this.open] == b'{';
    out.push(text[this.open]);
    let (mut separator, end) = this.separators;
    let mut at = this.open + 1;
    loop {
        out.extend_from_slice(if at == this.open + 1 { b"\n" } else { b",\n" });
        push_spaces(out, indent + 2);
        if let Some(starts) = starts.as_deref_mut() {
            starts.push(out.len());
        }
        let mut column = indent + 2;
        if is_object {
            // The key, then its `:`.
            let colon = compact.separators[separator];
            out.extend_from_slice(&text[at..colon]);
            out.extend_from_slice(b": ");
            column += colon - at + 2;
            separator += 1;
            at = colon + 1;
        }
        if matches!(text[at], b'{' | b'[') {
            let child = &compact.containers[*cursor];
            separator = child.separators.1;
            write(compact, out, cursor, indent + 2, column, false, None);
        } else {
            let value_end = if separator < end {
                compact.separators[separator]
            } else {
                this.close
            };
            out.extend_from_slice(&text[at..value_end]);
        }
        if separator == end {
            break;
        }
        // The `,` before the next element.
        at = compact.separators[separator] + 1;
        separator += 1;
    }
    out.push(b'\n');
    push_spaces(out, indent);
    out.push(text[this.close]);
}

fn push_spaces(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b' ');
}
