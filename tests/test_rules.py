"""The rules file: defaults, overrides, refusals, and the `tracker rules` round trip."""

from __future__ import annotations

import tomllib

import polars as pl
import pytest

from tracker import api
from tracker.problems import TrackerError
from tracker.rules import DEFAULTS, load_rules, to_toml


def write(tmp_path, text: str):
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_are_the_notices_numbers():
    r = load_rules(None)
    assert r.volunteer_ratio == 0.30
    assert (r.team_activities, r.volunteer_hours, r.ten_haves) == (10, 24, 10)
    assert r.themes == ("关爱老幼弱残", "关爱山川河流")
    assert (r.forms_deadline, r.summary_deadline) == ("07-15", "07-20")
    assert r.stars == (100, 300, 600, 1000, 1500)
    assert (r.inactive_days, r.new_volunteer_days) == (90, 90)
    assert (r.demand_overdue_days, r.pairing_overdue_days, r.record_due_working_days) == (30, 31, 10)
    assert r.service_kinds == ("志愿服务",) and r.pairing_hours_count is True


def test_every_key_has_a_comment_saying_where_it_comes_from():
    lines = to_toml().splitlines()
    keys = list(tomllib.loads(to_toml()))
    for key in keys:
        i = next(n for n, line in enumerate(lines) if line.startswith((f"{key} =", f"[{key}]", f"[{key}.")))
        while lines[i - 1].startswith("# ") and lines[i - 2].startswith("# "):  # a table's comment of two lines
            i -= 1
        comment = lines[i - 1]
        assert comment.startswith("# ")
        assert "镇组通〔2013〕37号" in comment or "民政部令第67号" in comment or "第十八条" in comment, key


@pytest.mark.parametrize(
    "members, band", [(0, (1, 1)), (20, (1, 1)), (21, (2, 3)), (50, (2, 3)), (51, (4, 6)),
                      (100, (4, 6)), (101, (6, 8)), (3000, (6, 8))]
)
def test_team_band_edges(members, band):
    lo, hi = (pl.select(DEFAULTS.team_band(pl.lit(members), which)).item() for which in (1, 2))
    assert (lo, hi) == band


def test_written_rules_load_back_identical(tmp_path, capsys):
    out = tmp_path / "规则.toml"
    assert api.rules(None, out).path == out
    assert load_rules(out) == DEFAULTS
    assert api.rules(None, None).text.strip() == to_toml().strip()


def test_a_subset_overrides_and_the_rest_stays(tmp_path):
    r = load_rules(write(tmp_path, 'team_activities = 12\nthemes = ["关爱老幼弱残"]\nstars = [50, 200]\n'))
    assert r.team_activities == 12
    assert r.themes == ("关爱老幼弱残",)
    assert pl.select(r.star_level(pl.lit(199.0))).item() == 1
    assert pl.select(r.star_level(pl.lit(200.0))).item() == 2
    assert r.volunteer_hours == 24 and r.team_count == DEFAULTS.team_count


def test_effective_rules_printed_with_a_user_file(tmp_path, capsys):
    assert "volunteer_hours = 30" in api.rules(write(tmp_path, "volunteer_hours = 30\n")).text


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    with pytest.raises(TrackerError) as e:
        load_rules(write(tmp_path, "team_activties = 12\n"))
    assert "未知的规则项 team_activties" in e.value.message
    assert "是否想写 team_activities" in e.value.message
    assert "rules.toml" in e.value.message


@pytest.mark.parametrize(
    "text, key",
    [
        ('volunteer_ratio = "30%"', "volunteer_ratio"),
        ("volunteer_ratio = 30", "volunteer_ratio"),
        ("team_activities = 10.5", "team_activities"),
        ("team_activities = true", "team_activities"),
        ("stars = [300, 100]", "stars"),
        ('forms_deadline = "7月15日"', "forms_deadline"),
        ('forms_deadline = "02-30"', "forms_deadline"),
        ("team_count = [[0, 3, 1]]", "team_count"),
        ("team_count = [[5, 1, 1]]", "team_count"),
        ('pairing_hours_count = "是"', "pairing_hours_count"),
        ("service_kinds = []", "service_kinds"),
    ],
)
def test_bad_values_are_refused_naming_the_key(tmp_path, text, key):
    with pytest.raises(TrackerError) as e:
        load_rules(write(tmp_path, text + "\n"))
    assert f"规则项 {key}" in e.value.message


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(TrackerError, match="找不到规则文件"):
        load_rules(tmp_path / "none.toml")
    with pytest.raises(TrackerError, match="格式有误"):
        load_rules(write(tmp_path, "team_activities = \n"))
