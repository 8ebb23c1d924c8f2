from zugong.cli import main

main()
