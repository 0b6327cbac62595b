"""Synthetic Đức Phổ data: a CCCD registry, 7 messy source extracts and the expected truth.

    from ducpho_etl.sample import generate_sample
    generate_sample(Path("out"), scale=0.01, seed=1)
"""

from .generate import SOURCES, generate_sample, matched_target

__all__ = ["SOURCES", "generate_sample", "matched_target"]
