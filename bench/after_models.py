"""What a build cost after the models crate was compiled, from the newest
page cargo's --timings wrote into argv[1]: the build's milliseconds
(argv[2]) less the end of the last `models-ferro` unit, then the
milliseconds of the `migrations` library's own compile (0 when the build
had none). The first depends on how the two cores shared the units; the
second is the migrations crate alone."""

import glob
import json
import os
import re
import sys

page = max(glob.glob(os.path.join(sys.argv[1], "cargo-timing-*.html")), key=os.path.getmtime)
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", open(page).read(), re.S).group(1))
models_end = max(u["start"] + u["duration"] for u in units if u["name"] == "models-ferro")
crate = sum(u["duration"] for u in units if u["name"] == "migrations" and not u.get("target", "").strip())
print(max(0, int(sys.argv[2]) - round(models_end * 1000)), round(crate * 1000))
