//! A table kept as the submissions' own tables end to end: a national year's records are
//! moved in, never copied (a copy was 85 MB of fresh memory and a serial step of merging).

/// Records numbered across chunks: record `i` is in the chunk whose range holds `i`.
#[derive(Debug)]
pub(crate) struct Chunks<T> {
    chunks: Vec<Chunk<T>>,
    len: usize,
    /// The chunk holding index `b << BLOCK_BITS`, for every block `b` started: a look-up is a
    /// read and a step or two, not a search.
    block_chunk: Vec<u32>,
}

/// One submission's records, where they start in the numbering and what the caller tagged them
/// with (the provider that sent them); together so that a look-up reads one line of them.
#[derive(Debug)]
struct Chunk<T> {
    records: Vec<T>,
    start: usize,
    tag: u32,
}

/// Indexes a block of [`Chunks::block_chunk`] covers.
const BLOCK_BITS: u32 = 10;

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks { chunks: Vec::new(), len: 0, block_chunk: Vec::new() }
    }
}

impl<T> Chunks<T> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends a chunk, its records numbered from [`Chunks::len`] on (an empty one is not kept).
    pub(crate) fn push(&mut self, records: Vec<T>, tag: u32) {
        if records.is_empty() {
            return;
        }
        let c = u32::try_from(self.chunks.len()).unwrap_or(u32::MAX);
        let (start, end) = (self.len, self.len + records.len());
        while self.block_chunk.len() << BLOCK_BITS < end {
            self.block_chunk.push(c);
        }
        self.chunks.push(Chunk { records, start, tag });
        self.len = end;
    }

    /// The chunk holding record `i` and its place in it (`i` < [`Chunks::len`]).
    #[inline]
    fn place(&self, i: usize) -> (usize, usize) {
        let mut c = self.block_chunk[i >> BLOCK_BITS] as usize;
        loop {
            let k = i - self.chunks[c].start;
            if k < self.chunks[c].records.len() {
                return (c, k);
            }
            c += 1;
        }
    }

    /// Record `i` and its chunk's tag.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> (&T, u32) {
        let (c, k) = self.place(i);
        let chunk = &self.chunks[c];
        (&chunk.records[k], chunk.tag)
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> &mut T {
        let (c, k) = self.place(i);
        &mut self.chunks[c].records[k]
    }

    /// Every record with its tag, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&T, u32)> {
        self.chunks.iter().flat_map(|c| c.records.iter().map(move |r| (r, c.tag)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_finds_its_record_whatever_the_chunk_sizes() {
        let mut table = Chunks::default();
        let mut flat = Vec::new();
        // Sizes around a block's length, empty chunks among them.
        for (n, size) in [0usize, 1, 1023, 1024, 1025, 0, 3, 5000, 1, 2048].into_iter().enumerate() {
            let chunk: Vec<(usize, usize)> = (0..size).map(|k| (n, k)).collect();
            flat.extend(chunk.iter().copied());
            table.push(chunk, n as u32);
        }
        assert_eq!(table.len(), flat.len());
        for (i, want) in flat.iter().enumerate() {
            assert_eq!(table.get(i), (want, want.0 as u32), "index {i}");
        }
        assert!(table.iter().map(|(r, t)| (*r, t)).eq(flat.iter().map(|r| (*r, r.0 as u32))));
        *table.get_mut(1024) = (99, 99);
        assert_eq!(table.get(1024).0, &(99, 99));
    }
}
