"""The face of chainrule: the command line, `chainrule ...` or `python -m chainrule ...`.

    chainrule/cli.py       parses arguments and calls library functions
    chainrule/runs.py      run folders: what one training run leaves on disk

It ties the packages together and holds no library logic: datasets by name come from
data.load_dataset, nets by name from nets.build_model, update rules from solver.optim.
"""
