"""``python -m chanjia_nlp`` runs the ``chanjia`` command."""

from .cli import main

if __name__ == "__main__":
    main()
