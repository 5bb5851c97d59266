//! Matching the rows of an old and a new error table.
//!
//! Error tables have no row identity: the same code may appear twice with
//! different messages, and a re-published table may reword a message or move
//! a code to another HTTP status. Rows are paired in three passes, each only
//! among rows still unpaired, so that the closest match always wins:
//!
//! 1. same HTTP status, code and message (the row is unchanged);
//! 2. same HTTP status and code (the message was reworded);
//! 3. same code (the row moved to another status).
//!
//! The merger uses the pairs to carry hand-written descriptions and
//! `rustName`s over; the change report uses them to tell changed rows from
//! added and removed ones.

use crate::spec::model::ErrorRow;

/// For each row of `new`, the index of its partner in `old`, if any.
pub fn pair_error_rows(old: &[ErrorRow], new: &[ErrorRow]) -> Vec<Option<usize>> {
    let mut partner_of_new: Vec<Option<usize>> = vec![None; new.len()];
    let mut old_taken = vec![false; old.len()];
    let passes: [fn(&ErrorRow, &ErrorRow) -> bool; 3] = [
        |old, new| {
            old.http_status == new.http_status && old.code == new.code && old.message == new.message
        },
        |old, new| old.http_status == new.http_status && old.code == new.code,
        |old, new| old.code == new.code,
    ];
    for matches in passes {
        for (new_index, new_row) in new.iter().enumerate() {
            if partner_of_new[new_index].is_some() {
                continue;
            }
            let partner = old
                .iter()
                .enumerate()
                .find(|(old_index, old_row)| !old_taken[*old_index] && matches(old_row, new_row))
                .map(|(old_index, _)| old_index);
            if let Some(old_index) = partner {
                old_taken[old_index] = true;
                partner_of_new[new_index] = Some(old_index);
            }
        }
    }
    partner_of_new
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(http_status: u16, code: &str, message: &str) -> ErrorRow {
        ErrorRow {
            http_status,
            code: code.to_string(),
            message: message.to_string(),
            description: None,
            rust_name: None,
        }
    }

    #[test]
    fn exact_matches_win_over_reworded_ones() {
        let old = vec![row(400, "A", "first"), row(400, "A", "second")];
        // The new table lists the second message first and rewords the first.
        let new = vec![row(400, "A", "second"), row(400, "A", "first, reworded")];
        assert_eq!(pair_error_rows(&old, &new), vec![Some(1), Some(0)]);
    }

    #[test]
    fn a_row_that_moved_status_pairs_by_code() {
        let old = vec![row(400, "NotFound", "gone"), row(500, "Other", "x")];
        let new = vec![row(404, "NotFound", "gone")];
        assert_eq!(pair_error_rows(&old, &new), vec![Some(0)]);
    }

    #[test]
    fn surplus_rows_stay_unpaired() {
        let old = vec![row(400, "A", "one"), row(400, "A", "two")];
        let new = vec![row(400, "A", "one"), row(400, "B", "new")];
        assert_eq!(pair_error_rows(&old, &new), vec![Some(0), None]);
    }

    #[test]
    fn codes_are_case_sensitive() {
        let old = vec![row(400, "pay.noCreditCard", "m")];
        let new = vec![row(400, "Pay.NoCreditCard", "m")];
        assert_eq!(pair_error_rows(&old, &new), vec![None]);
    }
}
