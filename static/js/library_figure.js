// A picture from the library placed in a story's body, for django-prose-editor.
// The body stores only <figure data-image-id="42"></figure>: the page shows the
// picture's renditions, caption and credit from the library (articles/figures.py).
import {
  mergeAttributes,
  Node,
  updateAttrsDialog,
} from "django-prose-editor/editor"

const pictureDialog = updateAttrsDialog(
  {
    imageId: {
      type: "string",
      title: "Picture number (on the picture's page in the library)",
    },
  },
  { title: "Insert a picture from the library" },
)

export const LibraryFigure = Node.create({
  name: "libraryFigure",
  group: "block",
  atom: true,
  draggable: true,
  selectable: true,

  addAttributes() {
    return {
      imageId: {
        default: null,
        parseHTML: (element) => element.getAttribute("data-image-id"),
        renderHTML: (attributes) => ({ "data-image-id": attributes.imageId }),
      },
    }
  },

  parseHTML() {
    return [{ tag: "figure[data-image-id]" }]
  },

  renderHTML({ HTMLAttributes }) {
    return ["figure", mergeAttributes(HTMLAttributes)]
  },

  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("figure")
      dom.className = "library-figure"
      dom.setAttribute("data-image-id", node.attrs.imageId)
      dom.textContent = `Picture ${node.attrs.imageId} from the library`
      return { dom }
    }
  },

  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "libraryFigure",
      groups: "link",
      command(editor) {
        pictureDialog(editor, { imageId: "" }).then((attrs) => {
          const id = ((attrs && attrs.imageId) || "").trim()
          if (/^[1-9][0-9]*$/.test(id)) {
            editor
              .chain()
              .focus()
              .insertContent({ type: "libraryFigure", attrs: { imageId: id } })
              .run()
          }
        })
      },
      button: buttons.material("add_photo_alternate", "insert picture"),
    })
  },
})
