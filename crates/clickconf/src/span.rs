//! Source files and byte spans: the one place that knows how to turn a byte
//! offset into `file:line:col`.
//!
//! Key decision: spans are plain byte ranges into the text held by a
//! [`SourceMap`]; line tables are computed once per file when it is added,
//! so every lookup is a binary search and nothing can index out of bounds
//! (offsets past the end are clamped instead of panicking).

/// Identifies one file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one file's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// A span covering `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start, end }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Debug)]
struct SourceFile {
    name: String,
    text: String,
    /// Byte offset of the start of each line (line 1 starts at 0).
    line_starts: Vec<usize>,
}

/// The texts of all configuration files, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    line_starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts,
        });
        id
    }

    fn file(&self, f: FileId) -> Option<&SourceFile> {
        self.files.get(f.0 as usize)
    }

    /// The file's name ("" for an unknown id).
    pub fn name(&self, f: FileId) -> &str {
        self.file(f).map_or("", |s| s.name.as_str())
    }

    /// The file's text ("" for an unknown id).
    pub fn text(&self, f: FileId) -> &str {
        self.file(f).map_or("", |s| s.text.as_str())
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// 1-based line and column (in characters) of the span's start.
    pub fn line_col(&self, span: Span) -> (u32, u32) {
        let Some(file) = self.file(span.file) else {
            return (1, 1);
        };
        let offset = span.start.min(file.text.len());
        let line = file.line_starts.partition_point(|&s| s <= offset).max(1);
        let line_start = file.line_starts.get(line - 1).copied().unwrap_or(0);
        let col = file
            .text
            .get(line_start..offset)
            .map_or_else(|| offset - line_start, |s| s.chars().count())
            + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    /// The text of 1-based line `line`, without its line terminator.
    pub fn line_text(&self, f: FileId, line: u32) -> &str {
        let Some(file) = self.file(f) else {
            return "";
        };
        let idx = (line as usize).saturating_sub(1);
        let Some(&start) = file.line_starts.get(idx) else {
            return "";
        };
        let end = file
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(file.text.len());
        file.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// `name:line:col` for a span.
    pub fn location(&self, span: Span) -> String {
        let (line, col) = self.line_col(span);
        format!("{}:{line}:{col}", self.name(span.file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_and_all_newline_styles() {
        let mut sm = SourceMap::new();
        let f = sm.add("x.click", "ab\ncé d\r\ne\rf");
        assert_eq!(sm.line_col(Span::new(f, 0, 1)), (1, 1));
        assert_eq!(sm.line_col(Span::new(f, 3, 4)), (2, 1));
        // "é" is two bytes but one column.
        assert_eq!(sm.line_col(Span::new(f, 7, 8)), (2, 4));
        assert_eq!(sm.line_col(Span::new(f, 10, 11)), (3, 1));
        assert_eq!(sm.line_col(Span::new(f, 12, 13)), (4, 1));
        assert_eq!(sm.line_text(f, 2), "cé d");
        assert_eq!(sm.line_col(Span::new(f, 1000, 1001)), (4, 2));
        assert_eq!(sm.name(FileId(9)), "");
        assert_eq!(sm.location(Span::new(f, 3, 3)), "x.click:2:1");
    }
}
