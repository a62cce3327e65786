# Setup, the same in every chapter. On Colab: fetch the course repository (code, data,
# checkpoints); Colab already has torch, numpy and matplotlib. Locally: use the installed genlab.
import os
import subprocess
import sys

REPO_URL = "https://github.com/genai-from-scratch/genai-from-scratch"
if "google.colab" in sys.modules or os.environ.get("GENLAB_CLONE_SETUP"):
    repo = os.path.abspath("genai-from-scratch")
    if not os.path.isdir(repo):
        url = os.environ.get("GENLAB_REPO_URL", REPO_URL)
        subprocess.run(["git", "clone", "--quiet", "--depth=1", url, repo], check=True)
    sys.path.insert(0, os.path.join(repo, "code"))
import genlab

print(genlab.about())
