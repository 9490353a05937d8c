# expect: construct
# ruff: noqa
# async code.
async def main():
    return 1
