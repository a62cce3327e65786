import subprocess
import sys

from genlab import recipes


def test_listing_and_unknown_recipe():
    assert recipes.main([]) == 0
    assert recipes.main(["no_such_recipe"]) == 2


def test_command_line_lists_recipes():
    out = subprocess.run(
        [sys.executable, "-m", "genlab.recipes"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("recipes:")
