//! "Did you mean ...?" for names a user mistyped.

/// The candidate closest to `typed`, when it is close enough to be a likely typo: at most a
/// third of the typed name's characters differ (and at least one may).
pub(crate) fn closest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let allowed = (typed.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(typed, candidate), candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `"; did you mean `x`?"` for the closest candidate, or nothing.
pub(crate) fn did_you_mean<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match closest(typed, candidates) {
        Some(candidate) => format!("; did you mean `{candidate}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn a_one_letter_typo_finds_its_field() {
        assert_eq!(closest("ordr_id", ["total", "order_id"]), Some("order_id"));
    }

    #[test]
    fn a_swapped_pair_counts_as_one_edit() {
        assert_eq!(
            closest("vesrion", ["name", "version", "key"]),
            Some("version")
        );
    }

    #[test]
    fn an_unrelated_name_finds_nothing() {
        assert_eq!(closest("customer", ["order_id", "total"]), None);
    }

    #[test]
    fn the_nearest_of_several_close_candidates_wins() {
        assert_eq!(closest("keys", ["key", "keys_v2"]), Some("key"));
    }
}
