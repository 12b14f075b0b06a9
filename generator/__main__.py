from gradio_gen.cli import main

raise SystemExit(main())
