extension PageTemplates {
    /// `/static/console.css`: served by the console itself (the CSP allows nothing else).
    /// Readable at 1366×768: one column, tables that scroll inside themselves.
    static let stylesheet = """
        :root { font-family: system-ui, sans-serif; font-size: 15px; color: #1b1b1b; background: #fafafa; }
        body { margin: 0; }
        header { display: flex; justify-content: space-between; align-items: center; padding: .5rem 1rem; background: #17324d; color: #fff; }
        header a { color: #fff; margin-right: 1rem; text-decoration: none; }
        header a:focus, header a:hover { text-decoration: underline; }
        header .brand { font-weight: 700; }
        header .who { margin-right: .5rem; }
        main { max-width: 1300px; margin: 0 auto; padding: 1rem; }
        footer { max-width: 1300px; margin: 0 auto; padding: 1rem; color: #555; font-size: .85rem; }
        table { border-collapse: collapse; width: 100%; display: block; overflow-x: auto; margin-bottom: 1rem; }
        th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
        th { background: #eef1f4; }
        code { font-size: .85em; word-break: break-all; }
        .notice { background: #e6f4ea; border: 1px solid #8bc34a; padding: .5rem; }
        .problem { background: #fdecea; border: 1px solid #e57373; padding: .5rem; }
        .decision, .outcome { padding: .1rem .4rem; border-radius: .3rem; font-weight: 600; }
        .approved, .pass { background: #e6f4ea; } .rejected, .fail { background: #fdecea; }
        .review, .missing { background: #fff4e5; } .error { background: #eceff1; }
        form.filters { display: flex; flex-wrap: wrap; gap: .4rem .6rem; align-items: center; margin-bottom: 1rem; }
        form.login { display: grid; grid-template-columns: 10rem 18rem; gap: .5rem; }
        form.login button { grid-column: 2; }
        form.inline { display: inline; }
        section.review form { display: grid; gap: .5rem; max-width: 40rem; }
        fieldset { border: 1px solid #ccc; }
        dl { display: grid; grid-template-columns: 12rem 1fr; gap: .2rem .8rem; }
        dt { font-weight: 600; }
        button { padding: .3rem .8rem; }
        :focus-visible { outline: 3px solid #ffbf47; }
        .timeline { padding-left: 1.2rem; }
        .paging { text-align: right; }
        .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
        form.whatif { display: grid; grid-template-columns: repeat(3, 12rem 6rem); gap: .4rem .6rem; align-items: center; max-width: 60rem; margin-bottom: 1rem; }
        pre.bytes { white-space: pre-wrap; word-break: break-all; max-width: 40rem; max-height: 12rem; overflow: auto; margin: 0; font-size: .8rem; }
        tr.changed { background: #fff4e5; font-weight: 600; }
        section.images { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
        section.images h2 { width: 100%; }
        figure { margin: 0; } figure img { max-width: 320px; max-height: 320px; border: 1px solid #ccc; background: #fff; }
        """
}
