"""Invisible characters a copy-paste leaves in a cell: zero-width spaces and joiners, the BOM,
bidi marks and the soft hyphen. One character class, used by the ID and date normalisers."""

INVISIBLE_CHARS = r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
