#!/bin/sh
# Regenerates the encoding variants of tests/fixtures/encoding/page_utf8.txt: the same
# page with a UTF-8 BOM, in UTF-16 LE and BE with a BOM, in Windows-1252 and in
# ISO-8859-15. The tests require identical trees from all of them.
set -eu
cd "$(dirname "$0")/../tests/fixtures/encoding"
src=page_utf8.txt
printf '\357\273\277' > page_utf8_bom.txt && cat "$src" >> page_utf8_bom.txt
printf '\377\376' > page_utf16le.txt && iconv -f UTF-8 -t UTF-16LE "$src" >> page_utf16le.txt
printf '\376\377' > page_utf16be.txt && iconv -f UTF-8 -t UTF-16BE "$src" >> page_utf16be.txt
iconv -f UTF-8 -t WINDOWS-1252 "$src" > page_windows1252.txt
iconv -f UTF-8 -t ISO-8859-15 "$src" > page_latin9.txt
