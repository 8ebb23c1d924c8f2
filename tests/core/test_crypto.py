from zugong.core import crypto


def test_encrypt_round_trip_and_randomized():
    a = crypto.encrypt("140525198503140011")
    b = crypto.encrypt("140525198503140011")
    assert a != b  # a fresh nonce each time: equal values don't show as equal ciphertext
    assert "140525198503140011" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "140525198503140011"


def test_blind_index_is_deterministic_and_keyed():
    assert crypto.blind_index("x") == crypto.blind_index("x")
    assert crypto.blind_index("x") != crypto.blind_index("y")


def test_masks():
    assert crypto.mask_id_number("14052519850314001X") == "140525********001X"
    assert crypto.mask_phone("13912345678") == "139****5678"
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""
