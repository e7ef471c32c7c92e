"""Launch pytest with the interpreter chosen by scripts/run-integration.sh.

SLUICE_PY_EXTRA_PATH (os.pathsep-separated) is APPENDED to sys.path, after the interpreter's own site-packages.
This lets a python3 whose boto3/botocore is recent but which has no pytest (e.g. pyenv's) borrow Debian's
python3-pytest from /usr/lib/python3/dist-packages without Debian's older boto3/botocore shadowing its own.
"""
import os
import sys

for p in filter(None, os.environ.get("SLUICE_PY_EXTRA_PATH", "").split(os.pathsep)):
    if p not in sys.path:
        sys.path.append(p)

import pytest  # noqa: E402

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))
