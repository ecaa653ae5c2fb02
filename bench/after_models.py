"""What a build cost after the models crate was compiled, from the newest
page cargo's --timings wrote into argv[1]: the build's milliseconds
(argv[2]) less the end of the compile of the models crate that the
migrations crate's build script waits for, then the milliseconds of the
`migrations` library's own compile and of its binary's compile and link
(each 0 when the build had none).

Cargo compiles the models crate twice, side by side: for the application
and for the build script. The build script links the second, so what
follows its end is the path the build waits on (link and run the build
script, compile the migrations crate). The first copy may end later and
overlap that path; counting from the later of the two would then leave part
of the path out. A build without a build script counts from the later copy.
The first figure depends on how the two cores shared the units; the second
and third are the migrations crate's library and binary alone."""

import glob
import json
import os
import re
import sys

page = max(glob.glob(os.path.join(sys.argv[1], "cargo-timing-*.html")), key=os.path.getmtime)
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);", open(page).read(), re.S).group(1))
models = [u for u in units if u["name"] == "models-ferro"]
script = [u["i"] for u in units if u["name"] == "migrations" and u.get("target", "").strip() == "build-script"]
waited = [u for u in models if set(script) & set(u.get("unblocked_units", []))] or models
models_end = max(u["start"] + u["duration"] for u in waited)
crate = sum(u["duration"] for u in units if u["name"] == "migrations" and not u.get("target", "").strip())
binary = sum(u["duration"] for u in units if u["name"] == "migrations" and "bin" in u.get("target", ""))
print(max(0, int(sys.argv[2]) - round(models_end * 1000)), round(crate * 1000), round(binary * 1000))
