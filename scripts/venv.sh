# Sourced by the scripts here: makes ./.venv with Python >= 3.11 and installs
# the project into it (editable) with the extras given, once per pyproject.toml.
# Usage: ensure_venv [extra]
ensure_venv() {
    local extra="${1:-}" root python stamp want
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    if [ ! -x "$root/.venv/bin/python" ]; then
        python=""
        for candidate in python3.13 python3.12 python3.11 python3; do
            if command -v "$candidate" >/dev/null 2>&1 \
                && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
                python="$candidate"
                break
            fi
        done
        if [ -z "$python" ]; then
            echo "error: django-remodel needs Python 3.11 or newer; none was found on PATH." >&2
            return 1
        fi
        echo "==> Creating .venv with $("$python" --version)"
        "$python" -m venv "$root/.venv"
        "$root/.venv/bin/python" -m pip install --quiet --upgrade pip || return 1
    fi
    stamp="$root/.venv/.installed${extra:+-$extra}"
    want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "==> Installing django-remodel${extra:+[$extra]} into .venv"
        "$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            -e "$root${extra:+[$extra]}" || return 1
        echo "$want" >"$stamp"
    fi
}
