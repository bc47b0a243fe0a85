from central.cli import main

raise SystemExit(main())
