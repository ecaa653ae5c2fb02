"""What a build cost after the models crate was compiled: the build's
milliseconds (argv[2]) less the end of the last `models-ferro` unit in the
newest page cargo's --timings wrote into argv[1]."""

import glob
import json
import os
import re
import sys

page = max(glob.glob(os.path.join(sys.argv[1], "cargo-timing-*.html")), key=os.path.getmtime)
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", open(page).read(), re.S).group(1))
models_end = max(u["start"] + u["duration"] for u in units if u["name"] == "models-ferro")
print(max(0, int(sys.argv[2]) - round(models_end * 1000)))
