from woo.cli import main

main()
