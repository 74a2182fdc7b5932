"""Reading a TOML file a user wrote (the rules file, a headers file), with Chinese messages.

Every way such a file can fail to read — missing, not UTF-8, not TOML, not
readable — becomes a `TrackerError` naming the file, never a traceback
(docs/rules.md, docs/ledgers.md "Your own headers").
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from tracker.problems import TrackerError


def read_toml(path: str | Path, where: str, *, missing: str = "", syntax: str = "") -> dict[str, Any]:
    """The parsed file; `where` names it in messages ("规则文件 x.toml"), `missing` and `syntax`
    add what to do when it is not there or not valid TOML."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError as e:
        raise TrackerError(f"找不到{where}。{missing}") from e
    except UnicodeDecodeError as e:
        raise TrackerError(f"{where} 不是 UTF-8 编码的文本文件，请另存为 UTF-8。") from e
    except tomllib.TOMLDecodeError as e:
        raise TrackerError(f"{where} 格式有误（TOML{syntax}）：{e}") from e
    except OSError as e:
        raise TrackerError(f"无法读取{where}：{e}") from e
