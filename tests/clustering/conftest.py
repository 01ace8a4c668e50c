import sys
from pathlib import Path

# Lets test modules import the shared `blobs` helper without making tests/clustering a
# package (a package named "clustering" here would shadow the real one).
sys.path.insert(0, str(Path(__file__).parent))
