#!/usr/bin/env bash
# Set up (venv + pinned packages) and run the dashboard on http://localhost:8501.
# Tries once to download the full GeoNames/geoBoundaries data; offline, it says so and
# runs on the embedded data in data/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app
if timeout 300 .venv/bin/python -m geo data fetch --once >/dev/null 2>.venv/last-fetch.log; then
  :
else
  echo "run_app: full data download not possible ($(tail -n 1 .venv/last-fetch.log)); using the embedded data" >&2
fi
.venv/bin/python -m geo data info | sed -n 's/^full_data: True$/run_app: using the full downloaded data/p; s/^full_data: False$/run_app: using the embedded data (data\/)/p' >&2
exec .venv/bin/python -m streamlit run app.py "$@"
