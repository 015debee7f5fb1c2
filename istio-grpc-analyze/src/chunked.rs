//! A list grown in fixed pieces: pushing never moves what is there, and never holds the list
//! twice, as a `Vec` does for a moment each time it doubles (and up to half of it empty after):
//! the lists an analysis keeps of a large mesh (30,000 entries of a few hundred bytes) cost their
//! size, give or take one piece.

use std::ops::Index;

/// Entries per piece.
const PIECE: usize = 1024;

#[derive(Clone, Debug)]
pub(crate) struct Chunked<T> {
    pieces: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            pieces: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    pub(crate) fn push(&mut self, item: T) {
        match self.pieces.last_mut() {
            Some(piece) if piece.len() < PIECE => piece.push(item),
            _ => {
                let mut piece = Vec::with_capacity(PIECE);
                piece.push(item);
                self.pieces.push(piece);
            }
        }
        self.len += 1;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + Clone {
        self.pieces.iter().flatten()
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        &self.pieces[i / PIECE][i % PIECE]
    }
}

impl<'a, T> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.pieces.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::{Chunked, PIECE};

    #[test]
    fn pieces_read_as_one_list() {
        let mut list = Chunked::default();
        assert!(list.is_empty());
        for i in 0..(2 * PIECE + 5) {
            list.push(i);
        }
        assert_eq!(list.len(), 2 * PIECE + 5);
        assert!(list.iter().copied().eq(0..2 * PIECE + 5));
        assert_eq!(list[PIECE + 3], PIECE + 3);
        assert_eq!(list[2 * PIECE + 4], 2 * PIECE + 4);
        assert_eq!((&list).into_iter().count(), 2 * PIECE + 5);
    }
}
