"""`python -m cpplive`: the C++ prompt (see cpplive._prompt)."""
import sys

from cpplive._prompt import main

sys.exit(main())
