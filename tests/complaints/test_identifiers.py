from complaints.identifiers import (
    ALPHABET,
    hash_token,
    new_access_token,
    new_tracking_number,
    normalize_tracking_number,
    token_matches,
)


def test_tracking_numbers_are_grouped_and_use_no_look_alike_characters():
    numbers = {new_tracking_number() for _ in range(500)}
    assert len(numbers) == 500
    for number in numbers:
        assert len(number) == 11 and number[5] == "-"
        assert set(number.replace("-", "")) <= set(ALPHABET)
        assert not set(number) & set("01OIL")


def test_typed_tracking_numbers_are_normalised():
    number = new_tracking_number()
    assert normalize_tracking_number(number.lower().replace("-", " ")) == number
    assert normalize_tracking_number(f"  {number[:5]} {number[6:]} ") == number


def test_every_single_typo_and_neighbour_swap_is_caught():
    number = new_tracking_number()
    raw = number.replace("-", "")
    for i, original in enumerate(raw):
        for c in ALPHABET:
            if c != original:
                assert normalize_tracking_number(raw[:i] + c + raw[i + 1:]) is None
    for i in range(len(raw) - 2):  # swaps within the body
        if raw[i] != raw[i + 1]:
            swapped = raw[:i] + raw[i + 1] + raw[i] + raw[i + 2:]
            assert normalize_tracking_number(swapped) is None


def test_malformed_tracking_numbers_are_refused():
    for value in ["", "ABC", "AAAAA-AAAAA-A", "AAAA0-AAAAA", "<script>"]:
        assert normalize_tracking_number(value) is None


def test_access_tokens_are_stored_as_hashes_and_compared_exactly():
    token, stored = new_access_token()
    assert len(token) >= 32 and token not in stored
    assert stored == hash_token(token)
    assert token_matches(stored, token)
    assert not token_matches(stored, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not token_matches(stored, "")
    assert not token_matches(stored, None)
