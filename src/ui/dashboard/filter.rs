//! Filtering and sorting the dashboard's rows.

use w365_core::row::RowStatus;

/// How the rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Status,
    Region,
}

impl SortKey {
    /// The `<option>` value.
    pub fn key(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::Region => "region",
        }
    }

    /// Parses an `<option>` value; unknown values sort by name.
    pub fn from_key(key: &str) -> SortKey {
        match key {
            "status" => SortKey::Status,
            "region" => SortKey::Region,
            _ => SortKey::Name,
        }
    }
}

/// What filtering and sorting look at in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowKey {
    pub name: String,
    pub url: String,
    pub region: String,
    /// `None` while the row is still being inspected.
    pub status: Option<RowStatus>,
}

/// Indices of the rows to show, in order. `query` matches name or address, ignoring case;
/// `status` keeps only rows with that status. Ties keep discovery's order.
pub fn visible(
    rows: &[RowKey],
    query: &str,
    status: Option<RowStatus>,
    sort: SortKey,
) -> Vec<usize> {
    let query = query.trim().to_lowercase();
    let mut out: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            query.is_empty()
                || r.name.to_lowercase().contains(&query)
                || r.url.to_lowercase().contains(&query)
        })
        .filter(|(_, r)| status.is_none() || r.status == status)
        .map(|(i, _)| i)
        .collect();
    let name = |i: &usize| rows[*i].name.to_lowercase();
    match sort {
        SortKey::Name => out.sort_by_key(name),
        SortKey::Region => out.sort_by_key(|i| (rows[*i].region.to_lowercase(), name(i))),
        SortKey::Status => {
            out.sort_by_key(|i| (rows[*i].status.map_or(usize::MAX, RowStatus::rank), name(i)))
        }
    }
    out
}
