"""python -m ducpho_etl.sample OUT [--scale F] [--seed N]"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import generate_sample


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m ducpho_etl.sample",
        description="Write a synthetic Đức Phổ input folder and its truth.")
    ap.add_argument("output", type=Path)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20230601)
    args = ap.parse_args(argv)
    info = generate_sample(args.output, scale=args.scale, seed=args.seed)
    print(json.dumps({k: info[k] for k in ("output", "seed", "scale", "registry_rows", "seconds")}
                     | {"summary": info["summary"]["total"]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
