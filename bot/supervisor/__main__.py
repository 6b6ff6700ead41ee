"""``python -m bot.supervisor``: run the whole product on one machine."""

from bot.supervisor.stack import main

main()
