//! Lists read in place: a list's bytes, checked item by item when the message was
//! read, and decoded again as they are visited. Received hellos are read this way, so
//! reading one costs no allocation per list.

use super::codec::Reader;
use crate::error::Error;

/// How one item of a [`WireList`] is read.
pub type ReadItem<'a, T> = fn(&mut Reader<'a>) -> Result<T, Error>;

/// A list as it lies on the wire (without its length prefix), every item of which
/// was read successfully by `read` when the list was checked.
#[derive(Clone, Copy)]
pub struct WireList<'a, T> {
    bytes: &'a [u8],
    read: ReadItem<'a, T>,
}

impl<'a, T> WireList<'a, T> {
    /// Checks that what `list` has left is a sequence of items `read` accepts, nothing
    /// left over; errors are `list`'s (or the item reader's own).
    pub fn read(mut list: Reader<'a>, read: ReadItem<'a, T>) -> Result<Self, Error> {
        let bytes = list.remaining();
        while !list.is_empty() {
            read(&mut list)?;
        }
        Ok(Self { bytes, read })
    }

    /// The items, in order.
    pub fn iter(&self) -> WireIter<'a, T> {
        WireIter {
            r: Reader::new(self.bytes, "list"),
            read: self.read,
        }
    }

    /// Whether the list has no items.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The list's encoding, without its length prefix.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The items, copied into a `Vec`.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().collect()
    }
}

impl<T: PartialEq> WireList<'_, T> {
    /// Whether `item` is in the list.
    pub fn contains(&self, item: &T) -> bool {
        self.iter().any(|i| i == *item)
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for WireList<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T> IntoIterator for WireList<'a, T> {
    type Item = T;
    type IntoIter = WireIter<'a, T>;

    fn into_iter(self) -> WireIter<'a, T> {
        self.iter()
    }
}

/// The items of a [`WireList`].
#[derive(Debug)]
pub struct WireIter<'a, T> {
    r: Reader<'a>,
    read: ReadItem<'a, T>,
}

impl<T> Iterator for WireIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.r.is_empty() {
            return None;
        }
        // The list was checked when it was read, so an item cannot fail here.
        (self.read)(&mut self.r).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_u16(r: &mut Reader<'_>) -> Result<u16, Error> {
        r.u16()
    }

    #[test]
    fn items_are_checked_once_and_visited_in_order() {
        let list = WireList::read(Reader::new(&[0, 1, 0, 2, 0, 3], "t"), read_u16).unwrap();
        assert_eq!(list.to_vec(), [1, 2, 3]);
        assert!(list.contains(&2));
        assert!(!list.contains(&4));
        assert!(!list.is_empty());
        assert!(WireList::read(Reader::new(&[0, 1, 0], "t"), read_u16).is_err());
        assert!(WireList::read(Reader::new(&[], "t"), read_u16)
            .unwrap()
            .is_empty());
    }
}
