#!/usr/bin/env bash
# The GitHub Action's check step (action.yml), kept here so it can be run and tested locally.
#
# Runs `auditor check` on the corpora with JUnit, Markdown and the HTML report, appends the
# Markdown to the job summary, writes the step's outputs, and exits with auditor's own code
# (0 passed, 1 a rule failed, 2 usage or input error, 3 internal error). Inputs arrive as
# environment variables (never interpolated into the script, so a path cannot inject shell code):
#
#   AUDITOR_CORPORA            the generations: one per line, or separated by spaces
#   AUDITOR_REFERENCE          the reference corpus (put before the generations), or
#   AUDITOR_REFERENCE_PROFILE  a reference profile from `auditor profile` (--reference-profile)
#   AUDITOR_POLICY             the policy file (default: auditor check finds ./auditor.toml)
#   AUDITOR_FAMILIES           comma-separated families (default: those the policy reads)
#   AUDITOR_ARGS               more arguments for auditor check, separated by spaces
#   AUDITOR_JUNIT              JUnit XML path (default auditor-junit.xml)
#   AUDITOR_REPORT_DIR         folder for report.html, metrics.json, summary.md (default auditor-report)
#   AUDITOR_SUMMARY            file the Markdown is appended to (default $GITHUB_STEP_SUMMARY)
#   AUDITOR_BIN                the auditor executable (default: auditor on PATH)
#   GITHUB_OUTPUT              where step outputs go (exit-code, junit, report-dir, metrics-json)
set -uo pipefail

auditor_bin="${AUDITOR_BIN:-auditor}"
junit="${AUDITOR_JUNIT:-auditor-junit.xml}"
report_dir="${AUDITOR_REPORT_DIR:-auditor-report}"
summary="${AUDITOR_SUMMARY:-${GITHUB_STEP_SUMMARY:-}}"

output() {  # name value: a step output, when the runner gave a file for them
    if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

fail_usage() {  # message: an input error of the action itself (exit 2, like auditor's own)
    echo "::error title=auditor action::$1" >&2
    if [[ -n "$summary" ]]; then
        printf '## auditor check\n\nThe action could not run: %s\n' "$1" >>"$summary"
    fi
    output exit-code 2
    exit 2
}

split_list() {  # text -> the array "items": one per line if it has several lines, else by spaces
    items=()
    local line
    if [[ "$1" == *$'\n'* ]]; then
        while IFS= read -r line; do
            line="${line#"${line%%[![:space:]]*}"}"
            line="${line%"${line##*[![:space:]]}"}"
            if [[ -n "$line" ]]; then items+=("$line"); fi
        done <<<"$1"
    else
        read -r -a items <<<"$1"
    fi
}

split_list "${AUDITOR_CORPORA:-}"
corpora=(${items[@]+"${items[@]}"})  # (this form: bash 3.2, as on macOS, has no empty "${a[@]}" under set -u)
if [[ ${#corpora[@]} -eq 0 ]]; then
    fail_usage "input 'corpora' is empty: give the generations to check, one per line."
fi
reference="${AUDITOR_REFERENCE:-}"
profile="${AUDITOR_REFERENCE_PROFILE:-}"
if [[ -n "$reference" && -n "$profile" ]]; then
    fail_usage "give either 'reference' or 'reference-profile', not both."
fi

cmd=("$auditor_bin" check)
if [[ -n "$reference" ]]; then cmd+=("$reference"); fi
cmd+=("${corpora[@]}")
if [[ -n "$profile" ]]; then cmd+=(--reference-profile "$profile"); fi
if [[ -n "${AUDITOR_POLICY:-}" ]]; then cmd+=(--policy "$AUDITOR_POLICY"); fi
if [[ -n "${AUDITOR_FAMILIES:-}" ]]; then cmd+=(--families "$AUDITOR_FAMILIES"); fi
markdown="$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/auditor-summary.XXXXXX")"
trap 'rm -f "$markdown"' EXIT
cmd+=(--junit "$junit" --markdown "$markdown" --report "$report_dir")
split_list "${AUDITOR_ARGS:-}"
cmd+=(${items[@]+"${items[@]}"})

printf '+' >&2
printf ' %q' "${cmd[@]}" >&2
printf '\n' >&2
"${cmd[@]}"
code=$?

if [[ -n "$summary" ]]; then
    if [[ -s "$markdown" ]]; then
        cat "$markdown" >>"$summary"
    else
        printf '## auditor check\n\nThe check could not run to the end (exit %s): the job log says why.\n' \
            "$code" >>"$summary"
    fi
fi
output exit-code "$code"
output junit "$junit"
output report-dir "$report_dir"
if [[ -f "$report_dir/metrics.json" ]]; then output metrics-json "$report_dir/metrics.json"; fi
exit "$code"
