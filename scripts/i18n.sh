#!/usr/bin/env bash
# Extract the French message ids and update the English catalog (then translate the new ones).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
  -o portal/translations/messages.pot . >/dev/null 2>&1
if [[ -f portal/translations/en/LC_MESSAGES/messages.po ]]; then
  .venv/bin/pybabel update -i portal/translations/messages.pot -d portal/translations -l en \
    --no-fuzzy-matching --ignore-obsolete >/dev/null 2>&1
else
  .venv/bin/pybabel init -i portal/translations/messages.pot -d portal/translations -l en >/dev/null 2>&1
fi
echo "untranslated: $(grep -c '^msgstr ""$' portal/translations/en/LC_MESSAGES/messages.po || true)"
