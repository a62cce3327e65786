import numpy as np
import torch

from genlab.book import glue, plain_number


def test_plain_number_converts_and_rounds():
    assert plain_number(np.float64(0.123456789)) == 0.123457
    assert type(plain_number(np.float32(2.5))) is float
    assert plain_number(np.int64(7)) == 7 and type(plain_number(np.int64(7))) is int
    assert plain_number(torch.tensor(0.25)) == 0.25
    assert plain_number(np.float64(1234.5678), digits=3) == 1230.0
    assert plain_number("text") == "text"


def test_glue_records_a_plain_value(capsys):
    glue("x", np.float64(0.5))  # outside a kernel myst-nb's glue just displays nothing visible
    assert "np.float64" not in capsys.readouterr().out
