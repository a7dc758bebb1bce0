"""On the zero-setup default (SQLite), parallel sign-ins cannot take more seats than bought:
BEGIN IMMEDIATE serialises the claims the way the row lock does on PostgreSQL."""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("sqlite_race.py")


def test_parallel_sign_ins_on_sqlite_take_exactly_the_seats_bought(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}"}
    env["FOUNDRY_VAR_DIR"] = str(tmp_path)

    done = subprocess.run(
        [sys.executable, str(SCRIPT), "12"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["statuses"] == [302] * 3 + [403] * 9
    assert result["open_seats"] == 3
    assert result["denials"] == 9
