//! The one pager: every listing of every SDK walks its pages here, under the
//! same guards against a server that would keep it paging forever.
//!
//! A listing gives [`paginate`] a first cursor and a `fetch` that turns a
//! cursor into a [`Page`]. The pager stops with an [`ErrorKind::Paging`]
//! error when
//! - more than `max_pages` pages were fetched,
//! - a cursor comes back that was already followed (a repeated token),
//! - a cursor goes backwards ([`Cursor::moves_on_from`]: page 3 pointing
//!   to page 2),
//! - a non-empty page repeats the page before it item for item,
//! - [`MAX_EMPTY_PAGES`] empty pages in a row still carry a next cursor.

use std::collections::HashSet;
use std::hash::Hash;

use futures::Stream;

use crate::error::{Error, ErrorKind, Result};

/// Empty pages in a row, each with a next cursor, after which a listing
/// stops with an error.
pub const MAX_EMPTY_PAGES: usize = 20;

/// What a page points to next: an opaque token or a page number.
pub trait Cursor: Clone + Eq + Hash + std::fmt::Debug + Send + Sync + 'static {
    /// Whether following `self` after `previous` moves forward. Tokens are
    /// opaque (only a repeat is caught); page numbers must grow.
    fn moves_on_from(&self, previous: &Self) -> bool;
}

impl Cursor for String {
    fn moves_on_from(&self, _previous: &Self) -> bool {
        true
    }
}

impl Cursor for u64 {
    fn moves_on_from(&self, previous: &Self) -> bool {
        self > previous
    }
}

/// One page as a listing's `fetch` returns it.
#[derive(Debug)]
pub struct Page<T, C> {
    /// The page's items, in the server's order.
    pub items: Vec<T>,
    /// The next cursor, `None` on the last page. An error here (a `next`
    /// link that does not parse) still lets the page's items through
    /// before the stream ends with it.
    pub next: Result<Option<C>>,
}

impl<T, C> Page<T, C> {
    /// A page and what comes after it.
    pub fn new(items: Vec<T>, next: Option<C>) -> Self {
        Self {
            items,
            next: Ok(next),
        }
    }
}

/// Every item of every page from `first`, as a lazy, owned stream: a page is
/// fetched only when the one before it has been read. `operation` names the
/// listing in errors (`"listing members"`).
pub fn paginate<T, C, F, Fut>(
    operation: impl Into<String>,
    max_pages: usize,
    first: C,
    mut fetch: F,
) -> impl Stream<Item = Result<T>> + Send + 'static
where
    T: PartialEq + Clone + Send + 'static,
    C: Cursor,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T, C>>> + Send,
{
    let operation = operation.into();
    async_stream::try_stream! {
        let stop = |why: String| Error::new(ErrorKind::Paging, operation.clone(), why);
        let mut cursor = first;
        let mut followed: HashSet<C> = HashSet::new();
        let mut previous: Option<Vec<T>> = None;
        let mut empty_in_a_row = 0usize;
        for pages in 1.. {
            if pages > max_pages {
                Err(stop(format!(
                    "stopped after {max_pages} pages: the server kept sending next pages (raise max_pages if the listing is really that long)"
                )))?;
            }
            followed.insert(cursor.clone());
            let page = fetch(cursor.clone()).await?;
            // A bad cursor is told after its page's items, which are new;
            // a page that repeats the one before is not yielded again, and
            // the cursor's fault, when it has one, says best what happened.
            let bad_cursor = match &page.next {
                Ok(Some(next)) if !next.moves_on_from(&cursor) => Some(stop(format!(
                    "page {cursor:?} points back to page {next:?}: stopping rather than looping"
                ))),
                Ok(Some(next)) if followed.contains(next) => Some(stop(format!(
                    "the server returned page {next:?} a second time: stopping rather than looping"
                ))),
                _ => None,
            };
            if !page.items.is_empty() && previous.as_ref() == Some(&page.items) {
                Err(bad_cursor.unwrap_or_else(|| stop(format!(
                    "page {pages} repeats the page before it: stopping rather than looping"
                ))))?;
                // `?` above always returns; the macro cannot tell.
                break;
            }
            let next = page.next;
            empty_in_a_row = if page.items.is_empty() { empty_in_a_row + 1 } else { 0 };
            // Kept to tell a repeated page; the items themselves move out.
            let kept = page.items.clone();
            for item in page.items {
                yield item;
            }
            if let Some(error) = bad_cursor {
                Err(error)?;
            }
            let Some(next) = next? else { break };
            if empty_in_a_row >= MAX_EMPTY_PAGES {
                Err(stop(format!(
                    "stopped after {empty_in_a_row} empty pages in a row that still carried a next page"
                )))?;
            }
            previous = Some(kept);
            cursor = next;
        }
    }
}

/// The stream, or only `checked`'s error when the listing's arguments were
/// refused (then nothing is sent).
pub fn checked_first<T: Send + 'static>(
    checked: Result<()>,
    pages: impl Stream<Item = Result<T>> + Send + 'static,
) -> impl Stream<Item = Result<T>> + Send + 'static {
    use futures::StreamExt;
    match checked {
        Ok(()) => pages.left_stream(),
        Err(err) => futures::stream::once(async move { Err(err) }).right_stream(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use futures::executor::block_on;

    fn walk<C: Cursor>(
        first: C,
        max_pages: usize,
        pages: impl Fn(&C) -> Page<u32, C> + Send + 'static,
    ) -> (Vec<u32>, Option<Error>) {
        let stream = paginate("listing things", max_pages, first, move |cursor| {
            let page = pages(&cursor);
            async move { Ok(page) }
        });
        block_on(async {
            let mut stream = std::pin::pin!(stream);
            let mut items = Vec::new();
            loop {
                match stream.try_next().await {
                    Ok(Some(item)) => items.push(item),
                    Ok(None) => return (items, None),
                    Err(err) => return (items, Some(err)),
                }
            }
        })
    }

    #[test]
    fn pages_are_walked_to_the_last() {
        let (items, err) = walk(1u64, 10, |&n| {
            Page::new(vec![n as u32], (n < 3).then_some(n + 1))
        });
        assert_eq!(items, [1, 2, 3]);
        assert!(err.is_none());
    }

    #[test]
    fn each_runaway_ends_with_a_paging_error_after_the_items_before_it() {
        type Walk = Box<dyn Fn() -> (Vec<u32>, Option<Error>)>;
        let cases: Vec<(&str, Walk)> = vec![
            (
                "2 pages",
                Box::new(|| walk(1u64, 2, |&n| Page::new(vec![n as u32], Some(n + 1)))),
            ),
            (
                "points back",
                Box::new(|| walk(5u64, 9, |&n| Page::new(vec![n as u32], Some(n - 1)))),
            ),
            (
                "second time",
                Box::new(|| {
                    walk("a".to_owned(), 9, |c| {
                        let next = if c == "a" { "b" } else { "a" };
                        Page::new(
                            vec![c.len() as u32 + u32::from(c == "b")],
                            Some(next.to_owned()),
                        )
                    })
                }),
            ),
            (
                "repeats",
                Box::new(|| walk(1u64, 9, |&n| Page::new(vec![7], Some(n + 1)))),
            ),
            (
                "empty pages",
                Box::new(|| walk(1u64, 1000, |&n| Page::new(Vec::new(), Some(n + 1)))),
            ),
        ];
        for (why, run) in cases {
            let (_, err) = run();
            let err = err.unwrap_or_else(|| panic!("{why}: no error"));
            assert_eq!(err.kind(), ErrorKind::Paging, "{err}");
            assert!(err.to_string().contains(why), "{why}: {err}");
            assert!(err.to_string().starts_with("listing things: "), "{err}");
        }
        // The items before the runaway still came.
        assert_eq!(
            walk(1u64, 2, |&n| Page::new(vec![n as u32], Some(n + 1))).0,
            [1, 2]
        );
        assert_eq!(walk(1u64, 9, |&n| Page::new(vec![7], Some(n + 1))).0, [7]);
    }

    #[test]
    fn a_bad_next_still_yields_its_page() {
        let (items, err) = walk(1u64, 9, |_| Page {
            items: vec![1, 2],
            next: Err(Error::new(ErrorKind::Paging, "x", "no page number")),
        });
        assert_eq!(items, [1, 2]);
        assert!(err.unwrap().to_string().contains("no page number"));
    }
}
