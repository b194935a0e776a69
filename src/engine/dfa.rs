//! Rule regexes compiled to DFAs at build time.
//!
//! The build script compiles every regex of the embedded rules with `regex-automata` (the same
//! syntax settings as [`super::regex_tier`]'s engines) into a dense DFA, and writes its
//! reachable states out as a plain transition table. A search is then a table walk, a few
//! instructions a byte, with nothing to compile or validate when the process starts: a small
//! case would otherwise spend more on compiling patterns than on searching with them.
//!
//! The table keeps `regex-automata`'s conventions: a match is seen one byte after it ends, and
//! the end of the text is one more input (the last class), so `$` and `\b` at the end work.

/// A DFA over bytes. States are premultiplied by `stride` (the index of a state's row in
/// `next`); the rows from `dead` on are the special states: `dead` itself, then from
/// `first_match` on the match states. A search then checks one bound per byte.
#[derive(Debug)]
pub struct Table {
    /// Each byte's class: its column in a state's row.
    pub classes: [u8; 256],
    /// Columns per row: the byte classes, then the end of the text.
    pub stride: u32,
    /// The state a search from the start of a text begins in.
    pub start: u32,
    /// The dead state: no match can follow.
    pub dead: u32,
    /// Rows of this state and after are match states.
    pub first_match: u32,
    pub next: &'static [u32],
}

impl Table {
    /// Does the regex match anywhere in `hay`?
    pub fn is_match(&self, hay: &[u8]) -> bool {
        let dead = self.dead as usize;
        let mut s = self.start as usize;
        if s >= dead {
            return s >= self.first_match as usize;
        }
        for &b in hay {
            s = self.step(s + usize::from(self.classes[usize::from(b)]));
            if s >= dead {
                return s >= self.first_match as usize;
            }
        }
        self.step(s + self.stride as usize - 1) >= self.first_match as usize
    }

    fn step(&self, at: usize) -> usize {
        // Tables come from the build script, which only writes in-range states; a bad index
        // would be the dead state, never a panic.
        self.next
            .get(at)
            .map_or(self.dead as usize, |&n| n as usize)
    }
}
