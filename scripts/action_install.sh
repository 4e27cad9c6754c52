#!/usr/bin/env bash
# The GitHub Action's install step (action.yml), kept here so it can be run and tested locally.
#
# Installs auditor with pip. The embedding family needs torch: when the extras ask for it
# (embedding or all), the CPU build of torch is installed first, pinned like the Makefile does,
# from PyTorch's CPU index, so pip never fetches a multi-GB CUDA build. Settings, as environment
# variables:
#
#   AUDITOR_PACKAGE      what to install (default: this repository, the action's own version)
#   AUDITOR_EXTRAS       comma-separated extras, e.g. embedding (default: none, no torch)
#   AUDITOR_TORCH        the torch version for the embedding extra (default 2.13.0)
#   AUDITOR_TORCH_INDEX  where torch comes from (default https://download.pytorch.org/whl/cpu)
#   PYTHON               the Python to install into (default python)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package="${AUDITOR_PACKAGE:-$here}"
extras="${AUDITOR_EXTRAS:-}"
extras="${extras// /}"
torch="${AUDITOR_TORCH:-2.13.0}"
torch_index="${AUDITOR_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
python="${PYTHON:-python}"

"$python" -m pip install --quiet --upgrade pip
if [[ ",$extras," == *,embedding,* || ",$extras," == *,all,* ]]; then
    "$python" -m pip install --quiet --index-url "$torch_index" "torch==$torch"
fi
if [[ -n "$extras" ]]; then package="$package[$extras]"; fi
"$python" -m pip install --quiet "$package"
