"""Synthetic city-scale ledgers for the loading benchmark (made-up names throughout).

Writes five CSV files a city's organization department could hold:

- units.csv       单位名称,上级单位,党员人数
- teams.csv       单位名称,服务队名称,简称,队长
- roster.csv      单位名称,志愿者编号,姓名,联系方式,所属服务队,登记日期
- activities.csv  单位名称,日期,服务队,活动名称,活动类型,服务主题,参加人员,服务时长
- activities_per_person.csv  the same activities, one row a participant (as volunteer
  platforms export them): the line repeated with one name or number in 参加人员

`--rows` counts participation rows (one volunteer in one activity), the unit
the README's "Scale and performance" section plans for (~1.3M a city's year); each activity line lists one to
`--max-per-row` participants joined by 、, written as volunteer numbers or
names (names are unique within a unit, so both resolve). The data is valid:
every team and person exists, no duplicate participation, nobody serves over
24 hours a day, every date is in the past. Same arguments → same bytes.

    python benchmarks/make_city.py --units 300 --volunteers-per-unit 200 \\
        --rows 1300000 --months 12 --start 2025-01 --out benchmarks/out/city
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20130037  # the notice: 镇组通〔2013〕37号

DISTRICTS = ("东湖区", "西岭区", "南塘区", "北岗区", "江畔区", "新桥区", "云台区", "高新区")
ORG_KINDS = (
    "中心医院", "人民医院", "中医院", "中心血站", "疾控中心", "第一中学", "实验小学", "职业学校",
    "街道办事处", "税务分局", "供电所", "自来水公司", "图书馆", "文化馆", "社区卫生服务中心", "公交公司",
)
TEAM_WORDS = ("助老", "护河", "义诊", "宣讲", "助学", "文明交通", "法律援助", "关爱儿童", "献血宣传",
              "环境整治", "健康科普", "便民维修", "心理疏导", "禁毒宣传", "垃圾分类", "助残")
TITLES = ("走访慰问孤寡老人", "社区义诊", "河道清洁", "无偿献血宣传", "交通文明劝导", "便民服务进社区",
          "留守儿童课业辅导", "健康知识讲座", "垃圾分类宣传", "敬老院文艺演出", "法律咨询服务",
          "助残帮扶", "植树护绿", "防诈骗宣传", "关爱环卫工人", "爱心义卖")
THEMES = ("关爱老幼弱残", "关爱山川河流", "学雷锋献爱心", "五进社区")
KINDS = ("志愿服务", "培训", "例会")
SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉宁晨曦浩然子涵欣怡梓轩雨桐思远嘉诚若溪一鸣佳琪书瑶志鹏海燕春雷秋月冬梅晓光振宇德福慧琳")
HOURS = ("1", "1.5", "2", "2.5", "3")


def _unique_names(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct made-up names (surname + one or two given characters)."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        k = max(n - len(names), 16) * 2
        s = rng.integers(0, len(SURNAMES), k)
        g1 = rng.integers(0, len(GIVEN), k)
        g2 = rng.integers(-len(GIVEN) // 2, len(GIVEN), k)  # negative → one-character given name
        for a, b, c in zip(s, g1, g2, strict=True):
            name = SURNAMES[a] + GIVEN[b] + (GIVEN[c] if c >= 0 else "")
            if name not in seen:
                seen.add(name)
                names.append(name)
                if len(names) == n:
                    break
    return names


def make_registers(units: int, per_unit: int, teams_per_unit: int, rng: np.random.Generator,
                   city: str = "示例市"):
    """The units, teams and roster frames; volunteers are spread round-robin over teams."""
    unit_rows, team_rows, people = [], [], []
    for u in range(units):
        district = DISTRICTS[u % len(DISTRICTS)]
        unit = f"{city}{district}第{u + 1}{ORG_KINDS[u % len(ORG_KINDS)]}"
        n_teams = max(1, teams_per_unit - 6 + u % 13)  # teams_per_unit on average, varying by unit
        n_teams = min(n_teams, max(1, per_unit // 2))  # at least two volunteers per team
        unit_rows.append((unit, f"{city}{district}委组织部", int(rng.integers(per_unit, per_unit * 3))))
        names = _unique_names(rng, per_unit)
        phones = rng.integers(0, 10**8, per_unit)
        reg = rng.integers(0, 5 * 365, per_unit)
        for j in range(per_unit):
            t = j % n_teams
            people.append((unit, u, t, f"ZY{u + 1:04d}{j + 1:04d}", names[j], f"139{phones[j]:08d}",
                           (dt.date(2020, 1, 1) + dt.timedelta(days=int(reg[j]))).isoformat()))
        for t in range(n_teams):
            word = TEAM_WORDS[t % len(TEAM_WORDS)]
            short = f"{word}{t + 1}队"
            team_rows.append((unit, u, t, f"党员志愿服务{t + 1}队（{short}）", short, names[t]))
    units_df = pl.DataFrame(unit_rows, schema=["单位名称", "上级单位", "党员人数"], orient="row")
    teams_df = pl.DataFrame(team_rows, schema=["单位名称", "u", "t", "服务队名称", "简称", "队长"],
                            orient="row")
    people_df = pl.DataFrame(
        people, schema=["单位名称", "u", "t", "志愿者编号", "姓名", "联系方式", "登记日期"], orient="row")
    people_df = people_df.join(teams_df.select("u", "t", pl.col("服务队名称").alias("所属服务队")),
                               on=["u", "t"], how="left", maintain_order="left")
    return units_df, teams_df, people_df


def make_activities(teams: pl.DataFrame, people: pl.DataFrame, rows: int, max_per_row: int,
                    start: dt.date, months: int, rng: np.random.Generator) -> pl.DataFrame:
    """Activity lines holding about `rows` participations, all valid."""
    end = _add_months(start, months) - dt.timedelta(days=1)
    n_days = (end - start).days + 1
    # members of each team, in a flat array: team k's members are flat[off[k]:off[k]+size[k]]
    members = people.with_row_index("pid").sort("u", "t", "pid")
    team_ix = teams.select("u", "t").with_row_index("k")
    sizes = members.group_by("u", "t").len("n").join(team_ix, on=["u", "t"]).sort("k")["n"].to_numpy().astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = members["pid"].to_numpy()

    n_lines = int(rows / ((1 + max_per_row) / 2) * 1.1) + 16
    k = rng.integers(0, teams.height, n_lines)
    per = np.minimum(rng.integers(1, max_per_row + 1, n_lines), sizes[k])
    keep = np.searchsorted(np.cumsum(per), rows, side="left") + 1
    k, per = k[:keep], per[:keep]
    per[-1] -= max(0, int(per.sum()) - rows)
    n_lines = len(k)
    first = rng.integers(0, 1 << 30, n_lines) % sizes[k]
    day = rng.integers(0, n_days, n_lines)
    hours_ix = rng.integers(0, len(HOURS), n_lines)
    kind_ix = np.where(rng.random(n_lines) < 0.92, 0, rng.integers(1, len(KINDS), n_lines))

    # one token per participation: consecutive members of the team, so no one appears twice in a line
    line = np.repeat(np.arange(n_lines), per)
    step = np.arange(len(line)) - np.repeat(np.cumsum(per) - per, per)
    pid = flat[offsets[k[line]] + (first[line] + step) % sizes[k[line]]]
    pers = people.select("志愿者编号", "姓名")
    use_number = rng.random(len(line)) < 0.5
    tokens = pl.DataFrame({
        "line": line,
        "pid": pid,
        "token": np.where(use_number, pers["志愿者编号"].to_numpy()[pid], pers["姓名"].to_numpy()[pid]),
        "day": day[line],
        "h": np.array([float(h) for h in HOURS])[hours_ix[line]],
    })
    # nobody over 24 hours a day: drop the tokens that would take a person past it
    tokens = tokens.with_columns(pl.col("h").cum_sum().over("pid", "day", order_by="line").alias("cum"))
    tokens = tokens.filter(pl.col("cum") <= 24).group_by("line", maintain_order=True).agg(
        pl.col("token").str.join("、").alias("参加人员"))

    dates = pl.Series([(start + dt.timedelta(days=int(d))).isoformat() for d in range(n_days)])
    lines = pl.DataFrame({"line": np.arange(n_lines), "k": k, "day": day, "hours_ix": hours_ix,
                          "kind_ix": kind_ix, "title_ix": rng.integers(0, len(TITLES), n_lines),
                          "theme_ix": rng.integers(0, len(THEMES), n_lines),
                          "short": rng.random(n_lines) < 0.6})
    team_names = teams.select(pl.col("单位名称"), pl.col("服务队名称"), pl.col("简称"))
    out = (
        lines.join(tokens, on="line", how="inner", maintain_order="left")
        .with_columns(
            pl.col("k").cast(pl.UInt32),
            (pl.int_range(1, pl.len() + 1).over("k")).alias("seq"),
        )
        .join(team_names.with_row_index("k"), on="k", how="left", maintain_order="left")
        .select(
            "单位名称",
            pl.lit(dates).gather(pl.col("day")).alias("日期"),
            pl.when("short").then(pl.col("简称")).otherwise(pl.col("服务队名称")).alias("服务队"),
            pl.format("{}（第{}次）", pl.lit(pl.Series(TITLES)).gather(pl.col("title_ix")),
                      pl.col("seq")).alias("活动名称"),
            pl.lit(pl.Series(KINDS)).gather(pl.col("kind_ix")).alias("活动类型"),
            pl.lit(pl.Series(THEMES)).gather(pl.col("theme_ix")).alias("服务主题"),
            "参加人员",
            pl.lit(pl.Series(HOURS)).gather(pl.col("hours_ix")).alias("服务时长"),
        )
    )
    return out


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def make_city(out: Path, units: int = 300, per_unit: int = 200, teams_per_unit: int = 17,
              rows: int = 1_300_000, max_per_row: int = 5, start: str = "2025-01", months: int = 12,
              seed: int = SEED, city: str = "示例市", per_person: bool = True) -> dict:
    """Write the four CSV files into `out` and a meta.json describing them; return the meta.
    `city` begins every unit's name (a province's cities differ); `per_person`: also the
    activities with one row a participant."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    first = dt.date.fromisoformat(start + "-01")
    if _add_months(first, months) > dt.date.today():
        raise SystemExit(f"--start {start} --months {months} reaches past today: the loader rejects future dates")
    out.mkdir(parents=True, exist_ok=True)
    units_df, teams_df, people_df = make_registers(units, per_unit, teams_per_unit, rng, city)
    acts = make_activities(teams_df, people_df, rows, max_per_row, first, months, rng)
    files = {
        "units": out / "units.csv",
        "teams": out / "teams.csv",
        "roster": out / "roster.csv",
        "activities": out / "activities.csv",
    }
    units_df.write_csv(files["units"])
    teams_df.select("单位名称", "服务队名称", "简称", "队长").write_csv(files["teams"])
    people_df.select("单位名称", "志愿者编号", "姓名", "联系方式", "所属服务队", "登记日期").write_csv(
        files["roster"])
    acts.write_csv(files["activities"])
    if per_person:  # the same activities as a platform's export writes them: one row a participant
        files["activities_per_person"] = out / "activities_per_person.csv"
        acts.with_columns(pl.col("参加人员").str.split("、")).explode("参加人员").write_csv(
            files["activities_per_person"])
    participations = int(acts["参加人员"].str.count_matches("、").sum()) + acts.height
    meta = {
        "args": {"units": units, "volunteers_per_unit": per_unit, "teams_per_unit": teams_per_unit,
                 "rows": rows, "max_per_row": max_per_row, "start": start, "months": months, "seed": seed,
                 "city": city},
        "units": units_df.height,
        "teams": teams_df.height,
        "volunteers": people_df.height,
        "activity_lines": acts.height,
        "participations": participations,
        "files": {k: {"path": str(p), "bytes": p.stat().st_size} for k, p in files.items()},
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=300)
    ap.add_argument("--volunteers-per-unit", type=int, default=200)
    ap.add_argument("--teams-per-unit", type=int, default=17, help="average; varies by unit")
    ap.add_argument("--rows", type=int, default=1_300_000, help="participation rows in the activities file")
    ap.add_argument("--max-per-row", type=int, default=5, help="participants per activity line: 1..N")
    ap.add_argument("--start", default="2025-01", help="first month YYYY-MM of the activities file")
    ap.add_argument("--months", type=int, default=1, help="months the activities file spans")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    meta = make_city(a.out, a.units, a.volunteers_per_unit, a.teams_per_unit, a.rows, a.max_per_row,
                     a.start, a.months, a.seed)
    print(json.dumps({k: v for k, v in meta.items() if k != "files"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
